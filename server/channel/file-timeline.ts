/**
 * A file's timeline (paced): ffmpeg reads as fast as the pipe allows and the Pacer releases
 * fragments a bounded lead ahead of the playhead. Media time is TIMELINE_BASE_SEC + file position;
 * the file loops by starting the next ffmpeg run with its output shifted by the file's length, so
 * the timeline (and the epoch) continue seamlessly. A seek replays held fragments or restarts
 * ffmpeg with input seeking; either way it opens a new epoch.
 *
 * The playhead does not move while nobody watches: when ffmpeg stops, it freezes there (stoppedAt)
 * and the next start resumes the file at that position. Without a probed length, a run that
 * played the file from its start to its end measures it (the learned duration).
 *
 * Phase of the clock: between a start (or seek) and its run's first fragment the playhead waits
 * (`anchorPending`), so viewers see the requested position instead of one already past it.
 */
import { foldPosition, playheadAt, type Playhead } from '../core/playhead.js';
import type { SourceSpec } from '../ffmpeg/args.js';
import type { Fragment, InitSegment } from '../ffmpeg/fragmenter.js';
import { Pacer, type PacerOptions } from './pacer.js';
import { applyCommand, freezeAt, newEpochAt, placeAt, startClock, type ControlCommand } from './playhead-reducer.js';
import type { Placement, ResumePoint, Timeline, TimelineCommand, TimelineHost } from './timeline.js';

/**
 * File channels' media time of file position 0, seconds. Positive so that the AAC priming and
 * B-frame decode times before position 0 never go negative in the fMP4 (tfdt is unsigned).
 */
export const TIMELINE_BASE_SEC = 1;
/** How often the pacer releases due fragments, ms (a fraction of a 200 ms fragment). */
const PACE_TICK_MS = 40;

export interface FileTimelineOptions {
  pace: PacerOptions;
  /** A length is learned (from a full run): for the log. */
  onLearned?: (duration: number) => void;
  /** Where the channel stood when the process last ended (store/playheads.ts): it starts frozen there. */
  resume?: ResumePoint | null;
}

export class FileTimeline implements Timeline {
  private current: Playhead;
  private readonly pacer: Pacer;
  private known: number | null = null;
  private run: Placement = { position: 0, offsetSec: TIMELINE_BASE_SEC, anchor: true };
  /** The playhead waits for the first fragment of a new run before it starts moving. */
  private anchorPending = false;
  /** Media time where the current run's last fragment ends (learns a file's length without a probe). */
  private runEnd: number | null = null;
  /** A file's next loop brought a different init: it is announced with that loop's first fragment. */
  private pendingReinit: InitSegment | null = null;
  private readonly reinitBefore = new WeakMap<Fragment, InitSegment>();
  /** When ffmpeg last stopped (null while one runs): the playhead's clock stands still there. */
  private stoppedAt: number | null;
  private tickTimer: NodeJS.Timeout | null = null;

  constructor(private readonly host: TimelineHost, private readonly opts: FileTimelineOptions, now: number) {
    this.pacer = new Pacer(opts.pace);
    const resume = opts.resume ?? null;
    const position = resume && Number.isFinite(resume.position) && resume.position >= 0 ? resume.position : 0;
    this.current = { epoch: 0, version: 0, playing: resume?.playing ?? true, mediaTime: TIMELINE_BASE_SEC + position, at: now };
    this.stoppedAt = now;
  }

  get playhead(): Playhead { return this.current; }
  get duration(): number | null { return this.known; }

  describe() {
    return {
      duration: this.known,
      seekable: this.known !== null,
      position: foldPosition(this.current.mediaTime - TIMELINE_BASE_SEC, this.known),
    };
  }

  learnDuration(duration: number | null, replace = false): boolean {
    if (duration === null || (this.known !== null && !replace)) return false;
    const changed = duration !== this.known;
    this.known = duration;
    return changed;
  }

  /**
   * A start picks up where the playhead is now (frozen while nobody watched). `at` is now, not
   * when the playhead last changed (maybe hours ago): until the first fragment anchors the
   * clock, states must not claim the channel is far ahead.
   */
  begin(now: number): Placement {
    const position = foldPosition(playheadAt(this.current, this.stoppedAt ?? now) - TIMELINE_BASE_SEC, this.known);
    this.stoppedAt = null;
    this.current = newEpochAt(this.current, TIMELINE_BASE_SEC + position, now);
    return { position, offsetSec: TIMELINE_BASE_SEC, anchor: true };
  }

  place(spec: SourceSpec, placement: Placement | null): SourceSpec {
    this.runEnd = null;
    if (!placement || spec.kind !== 'file') return spec;
    this.run = placement;
    if (placement.anchor) this.anchorPending = true;
    // -copyts keeps the file's own timestamps, so a run's media time is offsetSec + file time.
    return { ...spec, startSec: placement.position, tsOffsetSec: placement.offsetSec };
  }

  started(): void {
    if (!this.tickTimer) this.tickTimer = setInterval(() => this.tick(), PACE_TICK_MS);
  }

  deferInit(init: InitSegment): boolean {
    // Viewers must get it right before that loop's first fragment, after the previous loop's
    // fragments the pacer still holds.
    this.pendingReinit = init;
    return true;
  }

  onFragment(f: Fragment): void {
    if (f.startSec !== null && f.durationSec !== null) this.runEnd = f.startSec + f.durationSec;
    if (this.pendingReinit) {
      this.reinitBefore.set(f, this.pendingReinit);
      this.pendingReinit = null;
    }
    this.pacer.enqueue(f);
    if (!this.pacer.wantsMore(playheadAt(this.current, Date.now()))) this.host.ffmpeg()?.pause();
  }

  /** Releases what the playhead has reached and keeps ffmpeg reading just ahead. */
  tick(): void {
    if (!this.host.running()) return;
    const now = Date.now();
    if (this.anchorPending) {
      if (this.pacer.queued === 0) return;
      this.anchorPending = false;
      this.current = startClock(this.current, now);
      this.host.stateChanged();
    }
    const ph = playheadAt(this.current, now);
    for (const f of this.pacer.release(ph)) {
      const reinit = this.reinitBefore.get(f);
      if (reinit) this.host.reinit(reinit);
      this.host.release(f);
    }
    if (this.pacer.wantsMore(ph)) this.host.ffmpeg()?.resume();
  }

  runEnded(endOfSource: boolean): boolean {
    // A run that played the file from the start to the end measured it.
    if (endOfSource && this.known === null && this.run.position === 0 && this.runEnd !== null) {
      this.known = this.runEnd - this.run.offsetSec;
      this.opts.onLearned?.(this.known);
    }
    return this.known !== null;
  }

  /** The next loop continues the same timeline, shifted by the file's length; the pacer's queue covers the restart. */
  nextLoop(): Placement {
    return { position: 0, offsetSec: this.run.offsetSec + (this.known ?? 0), anchor: false };
  }

  resumePoint(now: number): ResumePoint {
    // Waiting for a run's first fragment, the playhead stands where it was asked to start.
    const media = this.anchorPending ? this.current.mediaTime : playheadAt(this.current, this.stoppedAt ?? now);
    return { position: foldPosition(media - TIMELINE_BASE_SEC, this.known), playing: this.current.playing };
  }

  tearDown(now: number): void {
    this.pacer.clear();
    this.pendingReinit = null;
    this.stopTicking();
    this.stoppedAt = now;
    // Not started yet (anchor pending): it stands where it was asked to start.
    this.current = freezeAt(this.current, now, !this.anchorPending);
    this.anchorPending = false;
  }

  /**
   * A stopped channel's clock stands still at stoppedAt, so a pause or seek while nobody watches
   * does not count the idle time as played; before a run's first fragment, a command acts on the
   * position being started, not on one some hundred ms past it.
   */
  command(cmd: ControlCommand, wallNow: number, canReplay: boolean): TimelineCommand {
    const now = this.stoppedAt ?? wallNow;
    if (this.anchorPending) this.current = placeAt(this.current, this.current.mediaTime, now);
    const decision = applyCommand({ seekable: true, duration: this.known }, this.current, cmd, now);
    if (!decision.ok) return { decision, restartAt: null };
    const before = this.current;
    this.current = decision.playhead;
    let restartAt: number | null = null;
    if (decision.effect.kind === 'seek') restartAt = this.seekTo(decision.effect.position, before, now, canReplay);
    return { decision: { ...decision, playhead: this.current }, restartAt };
  }

  /** Replays what the server holds (null), or answers the file position to restart ffmpeg at. */
  private seekTo(position: number, before: Playhead, now: number, canReplay: boolean): number | null {
    // The reducer put the file position in mediaTime; map it onto this loop of the timeline.
    const current = playheadAt(before, now);
    const target = current - foldPosition(current - TIMELINE_BASE_SEC, this.known) + position;
    if (canReplay && this.pacer.rewindTo(target)) {
      this.current = placeAt(this.current, target, now);
      this.anchorPending = false;
      this.host.reannounce(false);
      this.tick();
      return null;
    }
    this.current = placeAt(this.current, TIMELINE_BASE_SEC + position, now);
    this.pacer.clear();
    this.pendingReinit = null;
    this.anchorPending = false;
    return position;
  }

  /**
   * From the last keyframe at or before the playhead (so a joiner has the frame the others show,
   * also while paused); but not across a loop whose init differs (the channel holds only the
   * current init). Nothing held: the GOP cache.
   */
  joinFrom(gop: readonly Fragment[], now: number): readonly Fragment[] {
    const held = this.pacer.joinFrom(playheadAt(this.current, now));
    if (held.length === 0) return gop;
    let from = 0;
    held.forEach((f, i) => { if (i > 0 && this.reinitBefore.has(f)) from = i; });
    return held.slice(from);
  }

  close(): void {
    this.stopTicking();
  }

  private stopTicking(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
  }
}
