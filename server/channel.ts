/**
 * A channel: one source, at most one ffmpeg (a Fragmenter), any number of viewers.
 *
 * States:  idle → starting (probe, spawn) → running (init received) → stopping → idle
 *          starting|running → error (source failed) → starting again after a backoff, while wanted
 * "Wanted" means it has viewers or is keep-alive. ffmpeg starts with the first viewer and stops
 * idleStopMs after the last one leaves. Every ffmpeg start is a new timeline: a new `epoch`.
 *
 * The GOP cache holds the fragments since the last keyframe fragment so that a viewer who joins
 * gets a decodable first frame at once instead of waiting up to a keyframe interval.
 */
import { EventEmitter } from 'node:events';
import { ErrorCode, PushcastError } from './errors.js';
import type { OutputTuning } from './ffmpeg/args.js';
import { buildFfmpegPlan } from './ffmpeg/args.js';
import { Fragmenter, type Fragment, type InitSegment } from './fragmenter.js';
import type { Logger } from './log.js';
import type { ChannelInfo, ChannelStatus } from './protocol.js';
import type { ChannelSource } from './sources.js';

/** What a channel needs from each viewer; a session implements it. Must not throw. */
export interface ChannelViewer {
  /** A new timeline: the MSE type and the init segment; fragments from a keyframe follow. */
  onInit(init: InitSegment, epoch: number): void;
  onFragment(fragment: Fragment, epoch: number): void;
  onState(info: ChannelInfo): void;
  /** The source failed (ffmpeg exit, unreadable input); the channel retries by itself. */
  onError(error: PushcastError): void;
}

export interface ChannelOptions {
  id: string;
  source: ChannelSource;
  ffmpegPath: string;
  tuning: OutputTuning;
  keepAlive: boolean;
  idleStopMs: number;
  stopTimeoutMs: number;
  restartMinMs: number;
  restartMaxMs: number;
  gopCacheMaxBytes: number;
  /** No ffmpeg output for this long (ms) counts as a dead source. */
  stallTimeoutMs: number;
  log: Logger;
}

export interface ChannelEvents {
  state: [ChannelInfo];
}

/** Window over which the channel's bitrate is measured, ms. */
const BITRATE_WINDOW_MS = 5_000;

export class Channel extends EventEmitter<ChannelEvents> {
  readonly id: string;
  private status: ChannelStatus = 'idle';
  private epoch = 0;
  private fragmenter: Fragmenter | null = null;
  private init: InitSegment | null = null;
  private gop: Fragment[] = [];
  private gopBytes = 0;
  private duration: number | null = null;
  private lastError: PushcastError | null = null;
  private readonly viewers = new Set<ChannelViewer>();
  private idleTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private recent: Array<{ at: number; bytes: number }> = [];
  private closed = false;

  constructor(private readonly opts: ChannelOptions) {
    super();
    this.id = opts.id;
    this.retryDelay = opts.restartMinMs;
  }

  get kind() { return this.opts.source.kind; }
  get viewerCount(): number { return this.viewers.size; }
  get currentStatus(): ChannelStatus { return this.status; }

  info(): ChannelInfo {
    return {
      id: this.id,
      kind: this.opts.source.kind,
      source: this.opts.source.display,
      status: this.status,
      viewers: this.viewers.size,
      mime: this.init?.mime ?? null,
      codecs: this.init?.codecs ?? [],
      duration: this.kind === 'live' || this.kind === 'test' ? null : this.duration,
      epoch: this.epoch,
      bitrate: this.bitrate(),
      error: this.lastError ? { code: this.lastError.code, message: this.lastError.message } : null,
    };
  }

  /** Starts an always-on channel at boot. */
  start(): void {
    if (this.opts.keepAlive) this.ensureRunning();
  }

  addViewer(viewer: ChannelViewer): void {
    if (this.closed) return;
    this.viewers.add(viewer);
    this.cancelIdleStop();
    // Catch the newcomer up: the current timeline and the GOP so far, from its keyframe.
    if (this.status === 'running' && this.init) {
      viewer.onInit(this.init, this.epoch);
      for (const f of this.gop) viewer.onFragment(f, this.epoch);
    }
    this.ensureRunning();
    this.broadcastState();
  }

  removeViewer(viewer: ChannelViewer): void {
    if (!this.viewers.delete(viewer)) return;
    if (!this.wanted()) this.scheduleIdleStop();
    this.broadcastState();
  }

  /** Stops ffmpeg and forgets all viewers (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelIdleStop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.viewers.clear();
    await this.fragmenter?.stop();
  }

  private wanted(): boolean {
    return !this.closed && (this.viewers.size > 0 || this.opts.keepAlive);
  }

  /** Starts ffmpeg unless it is running, starting, or a retry is already scheduled. */
  private ensureRunning(): void {
    if (this.closed || this.fragmenter || this.retryTimer || this.status === 'starting') return;
    void this.launch();
  }

  private async launch(): Promise<void> {
    this.setStatus('starting');
    let prepared;
    try {
      prepared = await this.opts.source.prepare();
    } catch (err) {
      this.fail(err instanceof PushcastError ? err : new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, String(err)));
      return;
    }
    if (!this.wanted()) {
      this.setStatus('idle'); // every viewer left while we probed
      return;
    }
    this.duration = prepared.duration;
    const plan = buildFfmpegPlan(prepared.spec, prepared.codecs, this.opts.tuning);
    this.opts.log.info('starting ffmpeg', { channel: this.id, video: prepared.codecs.video, audio: prepared.codecs.audio });
    const frag = new Fragmenter({
      ffmpegPath: this.opts.ffmpegPath,
      plan,
      stopTimeoutMs: this.opts.stopTimeoutMs,
      stallTimeoutMs: this.opts.stallTimeoutMs,
    });
    this.fragmenter = frag;
    frag.on('init', (init) => this.onInit(init));
    frag.on('fragment', (f) => this.onFragment(f));
    frag.on('exit', ({ requested, error }) => {
      if (this.fragmenter === frag) this.fragmenter = null;
      this.init = null;
      this.gop = [];
      this.gopBytes = 0;
      if (requested || !error) {
        this.setStatus('idle');
        if (this.wanted()) this.ensureRunning(); // a viewer came back while we were stopping
      } else {
        this.fail(error);
      }
    });
    frag.start();
  }

  private onInit(init: InitSegment): void {
    this.epoch += 1;
    this.init = init;
    this.gop = [];
    this.gopBytes = 0;
    this.lastError = null;
    this.retryDelay = this.opts.restartMinMs; // a good start resets the backoff
    if (init.duration !== null && this.duration === null) this.duration = init.duration;
    this.opts.log.info('channel running', { channel: this.id, mime: init.mime, epoch: this.epoch });
    for (const v of this.viewers) v.onInit(init, this.epoch);
    this.setStatus('running');
  }

  private onFragment(f: Fragment): void {
    const now = Date.now();
    this.recent.push({ at: now, bytes: f.data.length });
    while (this.recent.length && (this.recent[0] as { at: number }).at < now - BITRATE_WINDOW_MS) this.recent.shift();
    if (f.key) {
      this.gop = [f];
      this.gopBytes = f.data.length;
    } else if (this.gop.length > 0) {
      this.gop.push(f);
      this.gopBytes += f.data.length;
      // A source with very long GOPs: stop caching rather than grow without bound; late joiners
      // then wait for the next keyframe.
      if (this.gopBytes > this.opts.gopCacheMaxBytes) {
        this.gop = [];
        this.gopBytes = 0;
      }
    }
    for (const v of this.viewers) v.onFragment(f, this.epoch);
  }

  /** Bits per second over the last BITRATE_WINDOW_MS, or null when nothing flowed. */
  private bitrate(): number | null {
    if (this.status !== 'running' || this.recent.length < 2) return null;
    const span = Date.now() - (this.recent[0] as { at: number }).at;
    if (span <= 0) return null;
    const bytes = this.recent.reduce((sum, r) => sum + r.bytes, 0);
    return Math.round((bytes * 8 * 1000) / Math.max(span, 1000));
  }

  /** starting|running → error; retry with exponential backoff while someone still wants the channel. */
  private fail(error: PushcastError): void {
    this.lastError = error;
    this.opts.log.warn('channel failed', { channel: this.id, code: error.code, error: error.message });
    this.setStatus('error');
    for (const v of this.viewers) v.onError(error);
    if (!this.wanted() || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.opts.restartMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted()) this.ensureRunning();
    }, delay);
  }

  private scheduleIdleStop(): void {
    this.cancelIdleStop();
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.wanted() || !this.fragmenter) return;
      this.setStatus('stopping');
      void this.fragmenter.stop();
    }, this.opts.idleStopMs);
  }

  private cancelIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private setStatus(status: ChannelStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.broadcastState();
  }

  private broadcastState(): void {
    const info = this.info();
    for (const v of this.viewers) v.onState(info);
    this.emit('state', info);
  }
}
