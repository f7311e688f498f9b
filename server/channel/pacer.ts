/**
 * Paces a file channel: ffmpeg reads the file as fast as the pipe lets it, and the Pacer releases
 * each fragment to viewers only once the shared playhead is within `leadSec` of its start. So a
 * viewer's buffer stays about `leadSec` ahead of the playhead (pause and seek take effect at once)
 * instead of growing without bound. Pure: the caller passes the playhead and wires the I/O.
 *
 *   ffmpeg → enqueue() → [ queue: read ahead, not yet released ] → release(playhead) → viewers
 *                                                                      ↘ history (for seeks)
 * `wantsMore()` is the flow control: false once the queue reaches `readAheadSec` past the
 * playhead, and the channel then stops reading ffmpeg's stdout (ffmpeg blocks on the pipe).
 */
import type { Fragment } from '../ffmpeg/fragmenter.js';

export interface PacerOptions {
  /** How far ahead of the playhead fragments are released to viewers, seconds. */
  leadSec: number;
  /** How far past the playhead ffmpeg may read before it is paused, seconds (≥ leadSec). */
  readAheadSec: number;
  /** Released fragments kept for seeks within what the server holds, seconds behind the playhead. */
  historySec: number;
  /** …and at most this many bytes of them. */
  historyMaxBytes: number;
}

export class Pacer {
  private queue: Fragment[] = [];
  private history: Fragment[] = [];
  private historyBytes = 0;

  constructor(private readonly opts: PacerOptions) {
    if (opts.readAheadSec < opts.leadSec) throw new TypeError('Pacer: readAheadSec must be ≥ leadSec');
  }

  /** Fragments read from ffmpeg but not yet released. */
  get queued(): number {
    return this.queue.length;
  }

  enqueue(f: Fragment): void {
    this.queue.push(f);
  }

  /** Removes and returns the fragments due at `playhead` (their start ≤ playhead + lead), in order. */
  release(playhead: number): Fragment[] {
    const due: Fragment[] = [];
    while (this.queue.length > 0) {
      const f = this.queue[0] as Fragment;
      if (f.startSec !== null && f.startSec > playhead + this.opts.leadSec) break;
      this.queue.shift();
      due.push(f);
      this.remember(f, playhead);
    }
    return due;
  }

  /** True while ffmpeg should keep producing: the queue ends less than readAheadSec past the playhead. */
  wantsMore(playhead: number): boolean {
    const last = this.queue[this.queue.length - 1];
    if (!last || last.startSec === null) return true;
    return last.startSec < playhead + this.opts.readAheadSec;
  }

  /**
   * The fragments to replay for a seek to media time `target` when the server still holds it:
   * from the last keyframe fragment at or before `target` through everything held after it, or
   * null when `target` is outside what is held (or the held run has a gap, so the caller
   * restarts ffmpeg). On success the queue is rewound: those fragments are released again.
   */
  rewindTo(target: number): Fragment[] | null {
    const held = [...this.history, ...this.queue];
    let start = -1;
    for (let i = 0; i < held.length; i++) {
      const f = held[i] as Fragment;
      if (f.startSec === null) return null;
      if (f.startSec > target) break;
      if (f.key) start = i;
    }
    if (start < 0) return null;
    const run = held.slice(start);
    const last = run[run.length - 1] as Fragment;
    if ((last.startSec ?? 0) + (last.durationSec ?? 0) < target) return null; // target past what is held
    for (let i = 1; i < run.length && (run[i]?.startSec ?? 0) <= target; i++) {
      const prev = run[i - 1] as Fragment;
      const cur = run[i] as Fragment;
      // More than half a second between consecutive fragments before the target: it is not decodable from the keyframe.
      if (prev.durationSec !== null && cur.startSec !== null && Math.abs((prev.startSec ?? 0) + prev.durationSec - cur.startSec) > 0.5) return null;
    }
    this.history = [];
    this.historyBytes = 0;
    this.queue = run;
    return run;
  }

  /**
   * What a viewer joining now needs: the released fragments from the last keyframe at or before
   * `playhead` on, or [] when none is held. A GOP cache restarts at every released keyframe, up to
   * `leadSec` ahead of the playhead, so a joiner of a paused channel would get no frame at the
   * paused position; this starts at or before it.
   */
  joinFrom(playhead: number): Fragment[] {
    let start = -1;
    for (let i = 0; i < this.history.length; i++) {
      const f = this.history[i] as Fragment;
      if (f.startSec !== null && f.startSec > playhead) break;
      if (f.key) start = i;
    }
    return start < 0 ? [] : this.history.slice(start);
  }

  /** Drops everything (ffmpeg restart on a new timeline). */
  clear(): void {
    this.queue = [];
    this.history = [];
    this.historyBytes = 0;
  }

  private remember(f: Fragment, playhead: number): void {
    this.history.push(f);
    this.historyBytes += f.data.length;
    for (;;) {
      const first = this.history[0];
      if (!first) break;
      const old = first.startSec !== null && first.startSec < playhead - this.opts.historySec;
      if (!old && this.historyBytes <= this.opts.historyMaxBytes) break;
      this.history.shift();
      this.historyBytes -= first.data.length;
    }
  }
}
