/**
 * Progressive fallback: plays a file channel through a plain `<video src="/vod/…">` (the browser
 * fetches it with HTTP Range requests, RFC 9110 §14) when the MSE path cannot: the browser has no
 * Media Source Extensions, MSE cannot take the channel's codecs (UNSUPPORTED_CODEC), or the
 * WebSocket keeps failing. Live and test channels have no file, so they cannot fall back.
 *
 * The Player decides *whether* to fall back (`probeChannel` + the pure `decideFallback`, both in
 * progressive-rules.ts) and then hands the channel to one `ProgressivePlayback`:
 *
 *   idle ─start()─▶ preparing ─URL ready─▶ loading ─`playing` (or metadata, paused channel)─▶ playing
 *     preparing: GET /api/media picks the URL the browser can play (`chooseVodUrl`); a generated
 *                `?format=mp4` copy is polled while the server answers 202 VOD_PREPARING.
 *     loading:   `src` is set; on `loadedmetadata` it seeks to the channel's position now and plays
 *                if the channel plays.
 *   any ─fatal error─▶ failed;  any ─stop()─▶ stopped (terminal; the <video> is released).
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { startPlayback } from './autoplay.js';
import { Emitter } from './emitter.js';
import { PlayerErrorCode, describeError, hasErrorName, type PlayerError } from './errors.js';
import {
  DEFAULT_PROGRESSIVE_OPTIONS,
  channelPositionAt,
  chooseVodUrl,
  pollUntilPlayable,
  readJson,
  type MediaListEntry,
  type ProgressiveOptions,
} from './progressive-rules.js';
import { serverHttpUrl } from './server-url.js';


// ---- the controller --------------------------------------------------------------------------

export type ProgressiveState = 'idle' | 'preparing' | 'loading' | 'playing' | 'failed' | 'stopped';

export interface ProgressiveEvents {
  state: { from: ProgressiveState; to: ProgressiveState };
  error: PlayerError;
  /** Playback had to start muted (autoplay policy). */
  'autoplay-muted': { reason: string };
}

export class ProgressivePlayback extends Emitter<ProgressiveEvents> {
  private _state: ProgressiveState = 'idle';
  private readonly abort = new AbortController();
  private waitTimer: ReturnType<typeof setTimeout> | null = null;
  /** The absolute URL we set on the video, so stop() only releases our own source. */
  private src: string | null = null;
  /** The video's own settings, put back by stop(). */
  private saved: { autoplay: boolean; loop: boolean } | null = null;

  /**
   * @param info the channel as `probeChannel` returned it
   * @param receivedAt performance.now() when `info` arrived: `info.serverTime` plus the time since
   *   is the server's clock now, to within half a round trip (no clock sync needed)
   * @param server the pushcast server's origin for `/api/media` and `/vod/` (null: the page's)
   */
  constructor(
    private readonly video: HTMLVideoElement,
    private readonly info: ChannelInfo,
    private readonly receivedAt: number,
    private readonly options: ProgressiveOptions = DEFAULT_PROGRESSIVE_OPTIONS,
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
    private readonly server: string | null = null,
  ) {
    super();
  }

  get state(): ProgressiveState {
    return this._state;
  }
  /** The URL being played, once chosen. */
  get url(): string | null {
    return this.src;
  }

  start(): void {
    if (this._state !== 'idle') return;
    this.setState('preparing');
    this.prepare().catch((err: unknown) => {
      if (this.abort.signal.aborted) return; // stop() cut a fetch or a wait short
      this.fail(PlayerErrorCode.VOD_UNAVAILABLE, `progressive fallback: ${describeError(err)}`);
    });
  }

  /** Releases the video (only if it still plays our source) and ends every fetch and timer. */
  stop(): void {
    if (this._state === 'stopped') return;
    this.abort.abort();
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    const v = this.video;
    v.removeEventListener('loadedmetadata', this.onMetadata);
    v.removeEventListener('playing', this.onPlaying);
    v.removeEventListener('error', this.onError);
    if (this.src !== null && v.src === this.src) {
      v.removeAttribute('src');
      v.load(); // aborts the download (HTML: the media element load algorithm)
    }
    if (this.saved) {
      v.autoplay = this.saved.autoplay;
      v.loop = this.saved.loop;
    }
    this.setState('stopped');
    this.removeAllListeners();
  }

  private async prepare(): Promise<void> {
    const vod = this.info.vod;
    if (vod === null) throw new Error(`channel "${this.info.id}" has no file under /vod/`);
    const choice = chooseVodUrl(vod, await this.listMedia());
    if (!choice.ok) {
      this.fail(PlayerErrorCode.VOD_UNAVAILABLE, choice.message);
      return;
    }
    const url = serverHttpUrl(this.server, choice.url);
    if (choice.poll) await this.waitUntilReady(url);
    if (this._state !== 'preparing') return;
    this.load(url);
  }

  /** The media listing, or null (reported, not fatal: the plain URL is then the best guess). */
  private async listMedia(): Promise<MediaListEntry[] | null> {
    let problem: string;
    try {
      const res = await this.fetchFn(serverHttpUrl(this.server, '/api/media'), { signal: this.abort.signal, headers: { Accept: 'application/json' } });
      const body = await readJson(res);
      const files = (body as { files?: unknown } | null)?.files;
      if (res.ok && Array.isArray(files)) return files as MediaListEntry[];
      problem = `HTTP ${res.status}`;
    } catch (err) {
      if (this.abort.signal.aborted) throw err;
      problem = describeError(err);
    }
    this.emit('error', { code: PlayerErrorCode.VOD_UNAVAILABLE, message: `GET /api/media failed (${problem}); trying ${this.info.vod}`, fatal: false });
    return null;
  }

  /**
   * Polls a generated copy: the server answers 202 VOD_PREPARING (with Retry-After) while it is
   * being made. One byte is asked for (Range: bytes=0-0) so a ready copy costs nothing to check.
   */
  private async waitUntilReady(url: string): Promise<void> {
    const polled = await pollUntilPlayable(url, {
      fetchFn: this.fetchFn, signal: this.abort.signal, sleep: (ms) => this.sleep(ms), now: () => performance.now(), options: this.options,
    });
    if (polled.ok) return;
    throw new Error(polled.timedOut ? `${url} was still being prepared after ${Math.round(this.options.prepareTimeoutMs / 1000)} s` : `${url}: ${polled.detail}`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.abort.signal;
      if (signal.aborted) {
        reject(new Error('stopped'));
        return;
      }
      const onAbort = (): void => reject(new Error('stopped'));
      this.waitTimer = setTimeout(() => {
        this.waitTimer = null;
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private load(url: string): void {
    const v = this.video;
    this.saved = { autoplay: v.autoplay, loop: v.loop };
    // We seek to the channel's position before playing, so no autoplay from 0; the channel loops
    // its file, and so does the fallback.
    v.autoplay = false;
    v.loop = true;
    v.preload = 'auto';
    v.addEventListener('loadedmetadata', this.onMetadata, { once: true });
    v.addEventListener('playing', this.onPlaying);
    v.addEventListener('error', this.onError);
    v.src = url;
    this.src = v.src; // the resolved absolute URL, as `video.src` reads back
    this.setState('loading');
  }

  private readonly onMetadata = (): void => {
    if (this._state !== 'loading') return;
    const v = this.video;
    const fileDuration = Number.isFinite(v.duration) && v.duration > 0 ? v.duration : null;
    const serverNow = this.info.serverTime + (performance.now() - this.receivedAt);
    const position = channelPositionAt(this.info, serverNow, this.info.duration ?? fileDuration);
    // Unbuffered, this seek is a Range request from the byte offset of that time.
    if (position > 0) v.currentTime = position;
    if (!this.info.playing) {
      this.setState('playing'); // a paused channel: hold its picture, like MSE viewers do
      return;
    }
    startPlayback(v).then(
      (result) => {
        if (result.muted) this.emit('autoplay-muted', { reason: result.reason });
      },
      (err: unknown) => {
        if (this._state === 'stopped') return;
        // AbortError: the source was replaced (stop()) while play() was pending.
        if (hasErrorName(err, 'AbortError')) console.debug('pushcast: progressive play() aborted', err);
        else this.emit('error', { code: PlayerErrorCode.PLAY_FAILED, message: `play() failed: ${describeError(err)}`, fatal: false });
      },
    );
  };

  private readonly onPlaying = (): void => {
    if (this._state === 'loading') this.setState('playing');
  };

  private readonly onError = (): void => {
    const err = this.video.error;
    if (!err || this._state === 'stopped' || this._state === 'failed') return;
    this.fail(PlayerErrorCode.MEDIA_ERROR, `MediaError ${err.code} playing ${this.src ?? '?'}: ${err.message || 'no details'}`);
  };

  private fail(code: PlayerError['code'], message: string): void {
    if (this._state === 'stopped' || this._state === 'failed') return;
    this.emit('error', { code, message, fatal: true });
    this.setState('failed');
  }

  private setState(to: ProgressiveState): void {
    const from = this._state;
    if (from === to || from === 'stopped') return;
    this._state = to;
    this.emit('state', { from, to });
  }
}
