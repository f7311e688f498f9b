/**
 * Applies the live-edge policy (live-edge.ts) to a <video>: every tick it samples currentTime,
 * buffered and paused, asks `decideLiveEdge`, then sets playbackRate and seeks. Counts the jumps
 * and stalls for stats(). One instance per timeline: reset() when the MediaSource is replaced.
 */
import { decideLiveEdge, toRanges, trackProgress, type LiveEdgeOptions, type LiveEdgeReason, type ProgressState } from './live-edge.js';

export class LiveEdgeController {
  private progress: ProgressState | null = null;
  /** Seeks made (any reason). */
  jumps = 0;
  /** Stalls detected (each also a jump). */
  stalls = 0;
  lastReason: LiveEdgeReason | null = null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly options: LiveEdgeOptions,
  ) {}

  /** @param nowMs a monotonic clock (performance.now()). */
  tick(nowMs: number): void {
    const video = this.video;
    const { state, stalledSec } = trackProgress(this.progress, video.currentTime, video.paused, nowMs);
    this.progress = state;
    const decision = decideLiveEdge(
      { currentTime: video.currentTime, buffered: toRanges(video.buffered), paused: video.paused, stalledSec },
      this.options,
    );
    this.lastReason = decision.reason;
    if (decision.seekTo !== undefined) {
      this.jumps++;
      if (decision.reason === 'stall') this.stalls++;
      video.currentTime = decision.seekTo;
      this.progress = null; // a seek is progress: restart stall timing from the new position
    }
    if (Math.abs(video.playbackRate - decision.playbackRate) > 0.001) video.playbackRate = decision.playbackRate;
  }

  /** Forgets progress (a new MediaSource restarts currentTime); counters keep running. */
  resetProgress(): void {
    this.progress = null;
  }
}
