/**
 * The one small interface a channel holds its timeline by: a file's (paced, looping, seekable:
 * file-timeline.ts) or a live source's (hold / resume at the live edge: live-timeline.ts). The
 * timeline owns the shared playhead; the channel owns the lifecycle, the ffmpeg run and the
 * fan-out, and hears back through TimelineHost.
 */
import type { Playhead } from '../core/playhead.js';
import type { SourceSpec } from '../ffmpeg/args.js';
import type { FfmpegRun, Fragment, InitSegment } from '../ffmpeg/fragmenter.js';
import type { ControlCommand, ControlDecision } from './playhead-reducer.js';

/** Where one ffmpeg run of a file starts and where that lands on the timeline. */
export interface Placement {
  /** Seconds into the file. */
  position: number;
  /** Media time of file position 0 in this run, seconds (ffmpeg's -output_ts_offset). */
  offsetSec: number;
  /**
   * Start the playhead's clock at this run's first fragment: a start or a seek, whose position
   * viewers should see rather than one already past it. A loop's next run continues a timeline
   * whose clock is running and must not touch it.
   */
  anchor: boolean;
}

/** What a timeline asks of its channel. */
export interface TimelineHost {
  /** Sends a due fragment to the viewers (unless `send` is false: a held live channel) and caches it. */
  release(f: Fragment, send?: boolean): void;
  /** A file's next loop has a different init: viewers get it now, right before that loop's first fragment. */
  reinit(init: InitSegment): void;
  /**
   * The playhead moved to a new epoch on the media the channel holds: viewers get the current init
   * for it, then the GOP cache (`withGop`, a live resume) or nothing (a seek's replay refills it).
   */
  reannounce(withGop: boolean): void;
  stateChanged(): void;
  /** The ffmpeg run now up, for flow control. */
  ffmpeg(): FfmpegRun | null;
  /** The channel is `running` (media flows). */
  running(): boolean;
}

/** A file channel's position to keep across a restart (store/playheads.ts saves it). */
export interface ResumePoint {
  /** Seconds into the file. */
  position: number;
  playing: boolean;
}

/** A command's outcome: the reducer's decision, and a file position to restart ffmpeg at, if any. */
export interface TimelineCommand {
  decision: ControlDecision;
  restartAt: number | null;
}

export interface Timeline {
  readonly playhead: Playhead;
  /** The source's length in seconds, when known (files only). */
  readonly duration: number | null;
  /** What the channel list shows about the position. */
  describe(): { duration: number | null; seekable: boolean; position: number | null };
  /** Offers a length: from a probe ahead of the run (`replace`), or otherwise only when none is known. */
  learnDuration(duration: number | null, replace?: boolean): boolean;
  /** A (re)start by the supervisor: a new epoch; where ffmpeg starts (null: at the live edge). */
  begin(now: number): Placement | null;
  /** The probe is done and ffmpeg is about to run at `placement`: the spec it runs. */
  place(spec: SourceSpec, placement: Placement | null): SourceSpec;
  /** ffmpeg was spawned. */
  started(): void;
  /** True when a changed init of the same timeline waits for its loop's first fragment. */
  deferInit(init: InitSegment): boolean;
  onFragment(f: Fragment): void;
  /** The run ended; answers whether the timeline can loop, learning a file's length first. */
  runEnded(endOfSource: boolean): boolean;
  /** Where the next loop's run starts. */
  nextLoop(): Placement;
  /**
   * Where the channel would resume if the process ended now (files: the position and whether it
   * plays; the idle freeze and a pending start's anchor count), or null (live: nothing to resume).
   */
  resumePoint(now: number): ResumePoint | null;
  /** No ffmpeg any more: forget held media, freeze the playhead where the channel stopped. */
  tearDown(now: number): void;
  command(cmd: ControlCommand, wallNow: number, canReplay: boolean): TimelineCommand;
  /** The fragments a joiner starts with, given the channel's GOP cache. */
  joinFrom(gop: readonly Fragment[], now: number): readonly Fragment[];
  close(): void;
}
