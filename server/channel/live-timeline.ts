/**
 * A live source's timeline (live URLs, the test pattern): fragments go to viewers as ffmpeg makes
 * them. `pause` holds the channel (fragments are still cached, not pushed); `play` opens a new
 * epoch at the live edge, from the GOP cache. Every start is a fresh timeline.
 */
import type { Playhead } from '../core/playhead.js';
import type { SourceSpec } from '../ffmpeg/args.js';
import type { Fragment } from '../ffmpeg/fragmenter.js';
import { applyCommand, newEpochAt, type ControlCommand } from './playhead-reducer.js';
import type { Placement, Timeline, TimelineCommand, TimelineHost } from './timeline.js';

export class LiveTimeline implements Timeline {
  private current: Playhead;
  /** Paused: fragments are cached but not pushed. */
  private held = false;

  constructor(private readonly host: TimelineHost, now: number) {
    this.current = { epoch: 0, version: 0, playing: true, mediaTime: 0, at: now };
  }

  get playhead(): Playhead { return this.current; }
  get duration(): null { return null; }

  describe() {
    return { duration: null, seekable: false, position: null };
  }

  learnDuration(): boolean { return false; }

  begin(now: number): Placement | null {
    this.current = newEpochAt(this.current, this.current.mediaTime, now);
    return null;
  }

  place(spec: SourceSpec): SourceSpec { return spec; }
  started(): void {}
  deferInit(): boolean { return false; }

  onFragment(f: Fragment): void {
    this.host.release(f, !this.held);
  }

  runEnded(): boolean { return false; }
  nextLoop(): Placement { throw new Error('a live timeline does not loop'); }
  resumePoint(): null {
    return null;
  }

  tearDown(): void {}

  command(cmd: ControlCommand, now: number): TimelineCommand {
    const decision = applyCommand({ seekable: false, duration: null }, this.current, cmd, now);
    if (!decision.ok) return { decision, restartAt: null };
    this.current = decision.playhead;
    if (decision.effect.kind === 'hold') this.held = true;
    else if (decision.effect.kind === 'resume') {
      // A new epoch at the live edge: viewers drop what they held and start from the GOP cache.
      this.held = false;
      this.current = { ...this.current, epoch: this.current.epoch + 1 };
      this.host.reannounce(true);
    }
    return { decision: { ...decision, playhead: this.current }, restartAt: null };
  }

  joinFrom(gop: readonly Fragment[]): readonly Fragment[] { return gop; }
  close(): void {}
}
