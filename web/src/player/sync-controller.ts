/**
 * Applies the sync policy (sync.ts) to a <video> of a file channel: samples currentTime, paused,
 * seeking and buffered, asks `decideSync`, then sets playbackRate, seeks, pauses or plays.
 * The Player calls `tick()` every tick and right after anything that moves the target (a `state`
 * message, the first fragment of a new timeline), so a pause or seek shows without waiting a tick.
 * A "play in N ms" (waiting paused for the channel to reach the frame on screen) is a timer, so
 * playback starts on time rather than at the next tick; every tick replaces it.
 */
import { decideSync, type SyncOptions, type SyncReason, type SyncTarget } from './sync.js';
import { toRanges } from './live-edge.js';

/** Reasons after which the residual drift is corrected down to settleMs (sync.ts rule 8). */
const CONVERGE_AFTER: ReadonlySet<SyncReason> = new Set(['jump', 'preroll', 'wait-for-channel', 'paused']);

export class SyncController {
  /** Seeks made by the policy. */
  jumps = 0;
  lastReason: SyncReason | null = null;
  /** currentTime − channel position at the last tick, ms; null when unknown. */
  driftMs: number | null = null;
  /** True while a play() we asked for has not settled: do not ask again every tick. */
  private playPending = false;
  private playTimer: ReturnType<typeof setTimeout> | null = null;
  /** Since the last jump / wait / pause, not yet back in sync (sync.ts rule 8). */
  private converging = false;

  /**
   * @param play starts playback (autoplay policy aware, see autoplay.ts); null: never call play()
   *   by ourselves (config.autoplay false), only pause and seek.
   */
  constructor(
    private readonly video: HTMLVideoElement,
    private readonly options: SyncOptions,
    private readonly play: ((video: HTMLVideoElement) => Promise<void>) | null,
  ) {}

  tick(target: SyncTarget | null): void {
    const video = this.video;
    this.cancelTimer();
    const action = decideSync(
      {
        currentTime: video.currentTime,
        paused: video.paused,
        seeking: video.seeking,
        playbackRate: video.playbackRate,
        buffered: toRanges(video.buffered),
        target,
        converging: this.converging,
      },
      this.options,
    );
    if (action.reason === 'in-sync') this.converging = false;
    else if (CONVERGE_AFTER.has(action.reason)) this.converging = true;
    this.lastReason = action.reason;
    this.driftMs = action.driftMs;
    if (action.pause) video.pause();
    if (action.seekTo !== undefined) {
      this.jumps++;
      video.currentTime = action.seekTo;
    }
    if (Math.abs(video.playbackRate - action.playbackRate) > 0.001) video.playbackRate = action.playbackRate;
    if (action.play) this.startPlayback();
    else if (action.playInMs !== undefined && this.play) {
      this.playTimer = setTimeout(() => {
        this.playTimer = null;
        this.startPlayback();
      }, Math.max(0, action.playInMs));
    }
  }

  /** A new timeline (MediaSource) starts, or the player stops: forget the old one's drift and timer. */
  reset(): void {
    this.cancelTimer();
    this.driftMs = null;
    this.lastReason = null;
    this.converging = false;
  }

  private startPlayback(): void {
    if (!this.play || this.playPending || !this.video.paused) return;
    this.playPending = true;
    void this.play(this.video).finally(() => {
      this.playPending = false;
    });
  }

  private cancelTimer(): void {
    if (this.playTimer !== null) clearTimeout(this.playTimer);
    this.playTimer = null;
  }
}
