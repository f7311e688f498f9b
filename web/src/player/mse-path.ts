/**
 * The MSE path of one load(): which MediaPipeline plays which timeline (timeline.ts), where each
 * binary frame goes, and how a broken pipeline is rebuilt.
 *
 *   `mse` for the timeline on screen (same epoch, mime and socket) ──▶ keep the MediaSource; the
 *        repeated init is appended to it (→ waiting-init, the next fragment → playing)
 *   `mse` for another timeline ──▶ a new MediaPipeline (→ waiting-init, `epoch` event)
 *   first fragment of a timeline appended ──▶ playing (then the Follower takes over)
 *   pipeline error / MediaError ──▶ error; leave + join asks the server for `mse` + a fresh init,
 *        unless maxRecoveries rebuilds happened within recoveryWindowMs (then the error is fatal)
 *
 * Binary frames: the first one after `mse` is the init segment, the others are fragments (their
 * `prft` box carries the wall clock for the delay estimate). Frames no `mse` announced (an old
 * channel's, a failed pipeline's) are counted as dropped.
 */
import type { ClientMessage, MseMessage } from '../../../server/core/protocol.js';
import { startsWithKeyframe } from '../../../server/core/moof.js';
import { readPrft } from '../../../server/core/prft.js';
import type { PlayerConfig } from './config.js';
import { PlayerErrorCode, type PlayerError } from './errors.js';
import { watchFirstFrame } from './first-frame.js';
import type { MediaSourceApi } from './media-source.js';
import { MediaPipeline, type SegmentMeta } from './media-pipeline.js';
import type { PlayerHost } from './player-events.js';
import type { Session } from './session.js';
import { sameTimeline, type Timeline } from './timeline.js';

export interface MseHost extends PlayerHost {
  /** Sends on the current socket (false: none open). */
  send(message: ClientMessage): boolean;
  /** A new timeline replaces the old one: forget the old one's delay, progress and drift. */
  newTimeline(): void;
  /** The first fragment of a timeline was appended and the state is now `playing`. */
  firstFragment(): void;
  /** A later fragment was appended (a joiner waiting for its landing frame looks again). */
  fragmentAppended(): void;
}

export class MsePath {
  private _pipeline: MediaPipeline | null = null;
  /** The timeline `_pipeline` plays; null with no pipeline. */
  private timeline: Timeline | null = null;
  /** Set by `mse`: the next binary frame is an init segment. */
  private expectInit = false;
  /** performance.now() of recent pipeline rebuilds (onMediaFailure). */
  private recoveryTimes: number[] = [];
  private lastTrimAt = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly api: MediaSourceApi,
    private readonly config: PlayerConfig,
    private readonly session: Session,
    private readonly host: MseHost,
  ) {}

  /** The pipeline of the timeline on screen, for stats (epoch, mime); null between timelines. */
  get pipeline(): MediaPipeline | null {
    return this._pipeline;
  }

  /** Pipelines rebuilt after an error within the recovery window. */
  get recoveries(): number {
    return this.recoveryTimes.length;
  }

  /**
   * Whether `epoch`, on the socket open now, is the timeline a working pipeline plays: the test
   * for a `state` message (sync target, live resume) and for an `appended` that may mean `playing`.
   */
  isOnScreen(epoch: number): boolean {
    const p = this._pipeline;
    return p !== null && !p.failed && sameTimeline(this.timeline, { epoch, connection: this.session.connections });
  }

  onMse(m: MseMessage): void {
    this.expectInit = true;
    if (this._pipeline?.mime === m.mime && this.isOnScreen(m.epoch)) {
      // Same timeline announced again: keep the MediaSource and append the repeated init; the next
      // fragment moves us back to `playing`.
      this.host.setState('waiting-init');
      return;
    }
    this.start(m.mime, m.epoch);
  }

  onBinary(data: ArrayBuffer): void {
    const s = this.session;
    s.bytesReceived += data.byteLength;
    s.bitrate.add(data.byteLength, performance.now());
    const p = this._pipeline;
    if (!p || p.failed) {
      s.framesDropped++; // no `mse` announced it (stale data of an old channel/pipeline)
      return;
    }
    if (this.expectInit) {
      this.expectInit = false;
      p.appendInit(data);
      return;
    }
    s.fragmentsReceived++;
    const bytes = new Uint8Array(data);
    const prft = readPrft(bytes);
    p.appendFragment(data, prft?.wallClockMs ?? null, startsWithKeyframe(bytes));
  }

  /** The <video> reported a MediaError while a pipeline fed it. */
  onVideoError(err: MediaError): void {
    if (!this._pipeline) return;
    this.onMediaFailure({ code: PlayerErrorCode.MEDIA_ERROR, message: `MediaError ${err.code}: ${err.message || 'no details'}`, fatal: true });
  }

  /** Trims the back buffer every trimIntervalMs (called from the player's tick while playing). */
  trim(now: number): void {
    if (!this._pipeline || now - this.lastTrimAt < this.config.trimIntervalMs) return;
    this.lastTrimAt = now;
    this._pipeline.trimBackBuffer();
  }

  destroy(): void {
    this._pipeline?.destroy();
    this._pipeline = null;
    this.timeline = null;
  }

  private start(mime: string, epoch: number): void {
    const s = this.session;
    const video = this.video;
    this._pipeline?.destroy();
    this.host.newTimeline();
    const pipeline = new MediaPipeline(video, this.api, mime, epoch, this.config.buffer);
    this._pipeline = pipeline;
    this.timeline = { epoch, connection: s.connections };
    pipeline.on('appended', (e) => {
      // The old picture's queued appends, after its socket dropped, do not mean the new one plays.
      if (this._pipeline === pipeline && this.isOnScreen(epoch)) this.onAppended(e.meta, e.bufferedEnd);
    });
    pipeline.on('error', (e) => this.onMediaFailure(e));
    pipeline.start();
    // start() can fail at once (e.g. addSourceBuffer refuses the type): onMediaFailure has
    // already torn this pipeline down and set the state; do not paper over it with waiting-init.
    if (this._pipeline !== pipeline) return;
    if (s.firstFrameMs === null && s.cancelFirstFrame === null) {
      s.cancelFirstFrame = watchFirstFrame(video, () => {
        if (s.firstOpenAt === null) return;
        s.firstFrameMs = Math.round(performance.now() - s.firstOpenAt);
        this.host.emit('first-frame', { ms: s.firstFrameMs });
      });
    }
    this.host.setState('waiting-init');
    this.host.emit('epoch', { epoch, mime });
  }

  private onAppended(meta: SegmentMeta, bufferedEnd: number | null): void {
    if (meta.kind !== 'fragment') return;
    if (meta.wallClockMs !== null && bufferedEnd !== null) this.session.delay.record({ wallClockMs: meta.wallClockMs, mediaEnd: bufferedEnd });
    const state = this.host.state();
    if (state !== 'waiting-init' && state !== 'connecting') {
      this.host.fragmentAppended();
      return;
    }
    this.host.setState('playing');
    this.host.firstFragment();
  }

  /**
   * A broken pipeline (bad append, decode error) is rebuilt by re-joining the channel, which makes
   * the server send `mse` + a fresh init; too many rebuilds in a row make the error fatal.
   */
  private onMediaFailure(error: PlayerError): void {
    const s = this.session;
    const now = performance.now();
    this.recoveryTimes = this.recoveryTimes.filter((t) => now - t < this.config.recoveryWindowMs);
    const giveUp = this.recoveryTimes.length >= this.config.maxRecoveries;
    this.destroy();
    this.host.fail({ ...error, fatal: giveUp });
    if (giveUp) return;
    this.recoveryTimes.push(now);
    this.host.send({ type: 'leave' });
    this.host.send({ type: 'join', channel: s.channel });
  }
}
