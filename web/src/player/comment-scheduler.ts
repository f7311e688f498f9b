/**
 * When a timed comment is due on screen, from the position of the picture (pure; the comments layer,
 * web/src/pages/comments-layer.ts, samples the player's file position a few times a second and
 * draws what this says). Table-tested in test/web/comment-scheduler.test.ts.
 *
 * A file channel's comment belongs to its position `at` in the file: it is due whenever playback
 * passes there. Between two samples `last` → `pos` playback either
 *   play   moved forward by at most maxStepSec:    due: last ≤ at < pos
 *   loop   wrapped from near the end to near 0:     due: last ≤ at < duration, then 0 ≤ at < pos
 *   seek   jumped (forward or back) farther:        nothing is due; the next sample starts at pos
 *   jitter moved back by at most jitterSec:         nothing, and the mark stays where it was, so
 *          the sync policy settling the picture a little back does not show the same comments twice
 *   still  did not move (paused)                    nothing
 *   start  first sample (or after the position was unknown): nothing; the next sample starts here
 * Half-open intervals: a comment exactly at a sample boundary is due once, not twice.
 *
 * Comments that arrive over the socket are shown at once (they happen now); `suppress` keeps the
 * scheduler from showing such a comment a second time a moment later when the picture reaches its
 * position (a viewer a few ms behind the shared playhead). The suppression ends once the mark has
 * passed the comment, or at any seek or loop, so the comment shows again on the next pass.
 */

export interface TimedComment {
  readonly id: number;
  /** Seconds into the file; null for live channels (never scheduled, only shown on arrival). */
  readonly at: number | null;
}

export type Motion = 'start' | 'still' | 'play' | 'loop' | 'seek' | 'jitter';

export interface SchedulerOptions {
  /** Largest forward step between two samples that still counts as playing, s. */
  maxStepSec: number;
  /** Largest backward step that counts as jitter (not a seek), s. */
  jitterSec: number;
}

/** Samples come every 250 ms; a busy tab may be late by a second. */
export const SCHEDULER_DEFAULTS: Readonly<SchedulerOptions> = { maxStepSec: 2, jitterSec: 1 };

export interface ScheduleState {
  /** The position up to which comments have been shown (exclusive), or null before the first sample. */
  readonly last: number | null;
  /** Comments already shown on arrival: id → at. */
  readonly suppressed: ReadonlyMap<number, number>;
}

export const INITIAL_SCHEDULE: ScheduleState = { last: null, suppressed: new Map() };

/** How playback moved from `last` to `pos` (file positions, seconds; `duration` for loops). */
export function classifyMotion(last: number | null, pos: number, duration: number | null, opts: SchedulerOptions = SCHEDULER_DEFAULTS): Motion {
  if (last === null) return 'start';
  const d = pos - last;
  if (d === 0) return 'still';
  if (d > 0) return d <= opts.maxStepSec ? 'play' : 'seek';
  if (duration !== null && duration > 0 && duration - last + pos <= opts.maxStepSec) return 'loop';
  return -d <= opts.jitterSec ? 'jitter' : 'seek';
}

const within = (at: number, from: number, to: number): boolean => at >= from && at < to;

/**
 * One sample: the comments due now (by position), the new state and how playback moved. `pos` null
 * (a live channel, no frame on screen yet) forgets the mark: the next known position starts over.
 */
export function advance<C extends TimedComment>(
  state: ScheduleState, comments: Iterable<C>, pos: number | null, duration: number | null, opts: SchedulerOptions = SCHEDULER_DEFAULTS,
): { state: ScheduleState; due: C[]; motion: Motion | null } {
  if (pos === null) return { state: { last: null, suppressed: state.suppressed }, due: [], motion: null };
  const last = state.last;
  const motion = classifyMotion(last, pos, duration, opts);
  if (motion === 'start' || motion === 'seek') return { state: { last: pos, suppressed: new Map() }, due: [], motion };
  if (motion === 'still' || motion === 'jitter') return { state, due: [], motion };
  const from = last as number;
  const isDue = motion === 'play'
    ? (at: number) => within(at, from, pos)
    : (at: number) => within(at, from, duration as number) || within(at, 0, pos);
  const suppressed = new Map(state.suppressed);
  const due: C[] = [];
  for (const c of comments) {
    if (c.at === null || !isDue(c.at)) continue;
    if (suppressed.delete(c.id)) continue; // shown on arrival already, this pass
    due.push(c);
  }
  // Played past: a suppression only covers the pass in which the comment arrived.
  if (motion === 'loop') suppressed.clear();
  else for (const [id, at] of suppressed) if (at < from) suppressed.delete(id);
  // In file order; across a loop, the end of the file before its start.
  const key = (at: number): number => (motion === 'loop' && at < from ? at + (duration as number) : at);
  due.sort((a, b) => key(a.at as number) - key(b.at as number) || a.id - b.id);
  return { state: { last: pos, suppressed }, due, motion };
}

/** A comment shown on arrival: not again when the picture reaches its position in this pass. */
export function suppress(state: ScheduleState, c: TimedComment): ScheduleState {
  if (c.at === null) return state;
  const suppressed = new Map(state.suppressed);
  suppressed.set(c.id, c.at);
  return { last: state.last, suppressed };
}

/**
 * The position windows to fetch so the next `aheadSec` seconds are known: [pos − backSec, pos + ahead],
 * split in two across the end of a looping file. Positions rounded to the millisecond.
 */
export function windowsAhead(pos: number, duration: number | null, aheadSec: number, backSec = 1): Array<{ from: number; to: number }> {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  const from = r(Math.max(0, pos - backSec));
  const to = pos + aheadSec;
  if (duration === null || !(duration > 0) || to <= duration) return [{ from, to: r(to) }];
  const rest = Math.min(to - duration, duration);
  return [{ from, to: r(duration) }, { from: 0, to: r(rest) }];
}

/** The last comment that entered a lane: when (ms) and how wide (px). */
export interface LaneTenant {
  readonly start: number;
  readonly width: number;
}

/** How the comments drift: across `travel` px of video in `driftMs`, `gapPx` apart at least. */
export interface Drift {
  travel: number;
  driftMs: number;
  gapPx: number;
}

/**
 * When a comment `width` px wide may enter behind `prev` in the same lane. Every comment crosses
 * the video in the same time, so a wider one moves faster: it must wait until the previous one's
 * tail (plus the gap) has entered, and also long enough not to catch up with it before it has
 * left the screen on the left.
 */
export function laneFreeAt(prev: LaneTenant | null, width: number, d: Drift): number {
  if (prev === null) return -Infinity;
  const speed = (w: number): number => (d.travel + w) / d.driftMs; // px per ms
  const tailIn = prev.start + (prev.width + d.gapPx) / speed(prev.width);
  // prev is gone at start + driftMs; our head reaches the left edge travel / speed(width) after entering.
  const noCatchUp = prev.start + d.driftMs - d.travel / speed(width);
  return Math.max(tailIn, noCatchUp);
}

/**
 * The lane a new comment drifts in: the first one it may enter at `now`, else the one it may
 * enter soonest (comments then overlap a little rather than wait).
 */
export function pickLane(lanes: ReadonlyArray<LaneTenant | null>, width: number, d: Drift, now: number): number {
  let best = 0;
  let bestAt = Infinity;
  for (let i = 0; i < lanes.length; i++) {
    const at = laneFreeAt(lanes[i] ?? null, width, d);
    if (at <= now) return i;
    if (at < bestAt) [best, bestAt] = [i, at];
  }
  return best;
}

/**
 * The comments a page knows of, by id, at most `max` (the oldest known is forgotten first), and the
 * ids deleted while it watched, so a window fetched before a deletion cannot bring one back.
 */
export class CommentBook<C extends TimedComment> {
  private readonly byId = new Map<number, C>();
  private readonly deleted = new Set<number>();

  constructor(private readonly max = 2000) {}

  add(c: C): void {
    if (this.deleted.has(c.id)) return;
    this.byId.delete(c.id);
    this.byId.set(c.id, c);
    if (this.byId.size > this.max) this.byId.delete(this.byId.keys().next().value as number);
  }

  remove(id: number): void {
    this.byId.delete(id);
    this.deleted.add(id);
    if (this.deleted.size > this.max) this.deleted.delete(this.deleted.values().next().value as number);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  values(): IterableIterator<C> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
