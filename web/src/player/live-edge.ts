/**
 * Live-edge policy: how fast to play and where to jump so playback stays just behind the newest
 * buffered media. Pure (no DOM): the player samples the <video> every tick, calls
 * `decideLiveEdge`, and applies the returned playbackRate / seek.
 *
 * Rules, in order:
 *  1. nothing buffered → play at 1×, wait;
 *  2. currentTime before the first range (a new timeline) → jump to the live target; inside a gap
 *     (or at the very end of a range that a gap follows) → jump to the next range's start, or
 *     straight to the live target when that next start is itself further than `jumpThresholdSec`
 *     from the edge;
 *  3. currentTime past the buffered end: by more than `jumpThresholdSec` the timeline moved back
 *     under us → jump to the live target; otherwise we are waiting for the next fragment (underrun);
 *  4. paused → leave the user alone (1×, no seek);
 *  5. further than `jumpThresholdSec` behind the buffered end → jump to the live target;
 *  6. not advancing for `stallTimeoutSec` while data is buffered ahead → jump forward (stall);
 *  7. more than `targetDelaySec` (+ dead band) behind → play a little faster, proportional to the
 *     excess, capped at `maxPlaybackRate`. The rate is never below 1: slowing down would only add
 *     delay, and the buffer refills by itself when fragments arrive.
 * The live target is `bufferedEnd − targetDelaySec`, but never before the last range's start.
 */
export interface BufferedRange {
  start: number;
  end: number;
}

export interface LiveEdgeOptions {
  /** Seconds to stay behind the buffered end; used by rules 5–7. */
  targetDelaySec: number;
  /** Upper bound for catch-up playbackRate (rule 7); must be ≥ 1. */
  maxPlaybackRate: number;
  /** playbackRate added per second of excess delay (rule 7). */
  catchUpGain: number;
  /** Excess delay (s) tolerated before speeding up, so the rate does not flap (rule 7). */
  catchUpDeadbandSec: number;
  /** Seconds behind (or ahead of) the buffered end beyond which we jump instead of catching up (rules 2, 3, 5). */
  jumpThresholdSec: number;
  /** Seconds without currentTime advancing, while playing with data ahead, that count as a stall (rule 6). */
  stallTimeoutSec: number;
  /** Distance (s) to a range's end that counts as "at the end" when a gap follows (rule 2), and minimum data ahead for a stall (rule 6). */
  gapToleranceSec: number;
}

export const DEFAULT_LIVE_EDGE_OPTIONS: Readonly<LiveEdgeOptions> = {
  // Not lower: with an audio track Chromium stops and rebuffers when the playhead gets within
  // ~0.15 s of the buffered end (measured: stalls every few seconds, 10 frames/s on screen).
  targetDelaySec: 0.3,
  maxPlaybackRate: 1.15,
  catchUpGain: 0.2,
  catchUpDeadbandSec: 0.05,
  // Not lower: with an audio track each seek freezes the picture for ~0.5 s, the buffer grows past
  // the threshold meanwhile, and at 0.8 s the player seeked every second (10 frames/s on screen).
  jumpThresholdSec: 2,
  stallTimeoutSec: 0.5,
  gapToleranceSec: 0.05,
};

/** Merges user options over the defaults and rejects illegal combinations with a TypeError. */
export function resolveLiveEdgeOptions(options: Partial<LiveEdgeOptions> = {}): LiveEdgeOptions {
  const o = { ...DEFAULT_LIVE_EDGE_OPTIONS, ...options };
  for (const [key, value] of Object.entries(o)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`live edge: ${key} must be a finite number ≥ 0, got ${String(value)}`);
  }
  if (o.maxPlaybackRate < 1) throw new TypeError(`live edge: maxPlaybackRate must be ≥ 1, got ${o.maxPlaybackRate}`);
  if (o.jumpThresholdSec <= o.targetDelaySec) {
    throw new TypeError(`live edge: jumpThresholdSec (${o.jumpThresholdSec}) must exceed targetDelaySec (${o.targetDelaySec})`);
  }
  return o;
}

export interface LiveEdgeInput {
  currentTime: number;
  /** The SourceBuffer's (or video's) buffered ranges, sorted and disjoint. */
  buffered: readonly BufferedRange[];
  paused: boolean;
  /** Seconds currentTime has not advanced while playing (see `trackProgress`). */
  stalledSec: number;
}

export type LiveEdgeReason =
  | 'no-data'
  | 'before-start'
  | 'gap'
  | 'ahead'
  | 'underrun'
  | 'paused'
  | 'behind'
  | 'stall'
  | 'catch-up'
  | 'on-target';

export interface LiveEdgeDecision {
  /** Always ≥ 1. */
  playbackRate: number;
  /** Media time to seek to, when a jump is needed. */
  seekTo?: number;
  reason: LiveEdgeReason;
}

export function decideLiveEdge(input: LiveEdgeInput, options: LiveEdgeOptions = DEFAULT_LIVE_EDGE_OPTIONS): LiveEdgeDecision {
  const { buffered, currentTime: t } = input;
  const last = buffered[buffered.length - 1];
  if (last === undefined) return { playbackRate: 1, reason: 'no-data' };
  const liveEnd = last.end;
  const liveTarget = Math.max(last.start, liveEnd - options.targetDelaySec);

  // Where should we land when skipping a hole that ends at `nextStart`?
  const landAfterHole = (nextStart: number): number => (liveEnd - nextStart > options.jumpThresholdSec ? liveTarget : nextStart);

  const index = buffered.findIndex((r) => r.start <= t && t <= r.end);
  if (index === -1) {
    if (t > liveEnd) {
      if (t - liveEnd > options.jumpThresholdSec) return { playbackRate: 1, seekTo: liveTarget, reason: 'ahead' };
      return { playbackRate: 1, reason: 'underrun' };
    }
    const next = buffered.find((r) => r.start > t)!; // exists: t ≤ liveEnd and t is in no range
    // Before the first range (a new timeline: a joiner handed a GOP) → straight to the live target,
    // once: seeking later, while playing, costs a freeze of a few hundred ms each time.
    if (t < buffered[0]!.start) return { playbackRate: 1, seekTo: liveTarget, reason: 'before-start' };
    return { playbackRate: 1, seekTo: landAfterHole(next.start), reason: 'gap' };
  }
  const range = buffered[index]!;
  const following = buffered[index + 1];
  if (following !== undefined && range.end - t <= options.gapToleranceSec) {
    return { playbackRate: 1, seekTo: landAfterHole(following.start), reason: 'gap' };
  }

  if (input.paused) return { playbackRate: 1, reason: 'paused' };

  const ahead = liveEnd - t;
  if (ahead > options.jumpThresholdSec) return { playbackRate: 1, seekTo: liveTarget, reason: 'behind' };

  if (input.stalledSec >= options.stallTimeoutSec && ahead > 2 * options.gapToleranceSec) {
    // Nudge forward at least a little, but never onto the very last sample (that would stall again).
    const seekTo = Math.min(liveEnd - options.gapToleranceSec, Math.max(liveTarget, t + 2 * options.gapToleranceSec));
    return { playbackRate: 1, seekTo, reason: 'stall' };
  }

  const excess = ahead - options.targetDelaySec;
  if (excess > options.catchUpDeadbandSec) {
    const rate = Math.min(options.maxPlaybackRate, 1 + options.catchUpGain * excess);
    // Two decimals: finer changes are inaudible and only churn the media pipeline.
    return { playbackRate: Math.max(1, Math.round(rate * 100) / 100), reason: 'catch-up' };
  }
  return { playbackRate: 1, reason: 'on-target' };
}

/** Progress bookkeeping for stall detection, kept by the caller between ticks. */
export interface ProgressState {
  lastTime: number;
  /** When currentTime last changed (or playback was last paused), ms. */
  lastAdvanceMs: number;
}

/**
 * Updates progress state and reports how long currentTime has been stuck while playing.
 * Paused playback never counts as stalled.
 */
export function trackProgress(
  prev: ProgressState | null,
  currentTime: number,
  paused: boolean,
  nowMs: number,
): { state: ProgressState; stalledSec: number } {
  if (prev === null || paused || currentTime !== prev.lastTime) {
    return { state: { lastTime: currentTime, lastAdvanceMs: nowMs }, stalledSec: 0 };
  }
  return { state: prev, stalledSec: Math.max(0, (nowMs - prev.lastAdvanceMs) / 1000) };
}

/** Converts a TimeRanges object (DOM) to plain ranges; kept here so callers share one conversion. */
export function toRanges(ranges: { length: number; start(i: number): number; end(i: number): number }): BufferedRange[] {
  const out: BufferedRange[] = [];
  for (let i = 0; i < ranges.length; i++) out.push({ start: ranges.start(i), end: ranges.end(i) });
  return out;
}
