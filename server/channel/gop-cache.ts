/**
 * The released fragments since the last keyframe fragment, so a viewer who joins gets a decodable
 * first frame at once instead of waiting up to a keyframe interval. Byte-capped: a source with
 * very long GOPs stops being cached rather than growing without bound (late joiners then wait for
 * the next keyframe).
 */
import type { Fragment } from '../ffmpeg/fragmenter.js';

export class GopCache {
  private held: Fragment[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** What a joiner starts with: from a keyframe fragment on, or [] when nothing usable is held. */
  get fragments(): readonly Fragment[] {
    return this.held;
  }

  get size(): number {
    return this.bytes;
  }

  /** A released fragment: a keyframe starts a new GOP; others extend the current one, if any. */
  add(f: Fragment): void {
    if (f.key) {
      this.held = [f];
      this.bytes = f.data.length;
      return;
    }
    if (this.held.length === 0) return; // no keyframe yet: nothing a joiner could decode
    this.held.push(f);
    this.bytes += f.data.length;
    if (this.bytes > this.maxBytes) this.reset();
  }

  /** A new timeline (or none): what is held belongs to the old one. */
  reset(): void {
    this.held = [];
    this.bytes = 0;
  }
}
