/**
 * Which fragments one viewer gets: the pure part of a session's media backpressure.
 *
 * A viewer whose socket cannot keep up (bufferedAmount above maxBufferedBytes) does not slow the
 * channel or other viewers: it skips fragments until the next keyframe fragment, so what it
 * receives stays decodable. It is healthy again once its queue drained to half the limit; one that
 * stays overloaded for overloadCloseMs, or whose queue passes a hard cap, is to be closed (4001).
 *
 *   timeline start (init) → waiting for a keyframe → flowing ⇄ lagging (skipping to a keyframe)
 */

/** Past maxBufferedBytes × this (plus the slack below), the socket is closed at once: a hard cap. */
const HARD_CAP_FACTOR = 4;
const HARD_CAP_SLACK_BYTES = 1024 * 1024;

/** `send` it, `drop` it (a skip to count), or `ignore` it (not this viewer's timeline, or a pre-key fragment). */
export type FragmentVerdict = 'send' | 'drop' | 'ignore';

export class FragmentFlow {
  /** The epoch whose init segment this viewer has; fragments of any other epoch are not sent. */
  epoch = -1;
  /** Fragments not sent because the socket was backed up. */
  skipped = 0;
  /** True after a fragment was dropped (or at a timeline start): nothing is sent until a keyframe. */
  private waitingForKey = false;
  /** True while fragments are skipped because the socket was backed up (not at a timeline start). */
  private lagging = false;
  /** Since when the viewer has been skipping without its queue draining, ms; null when healthy. */
  private overloadedSince: number | null = null;

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly overloadCloseMs: number,
  ) {}

  /** A new timeline (an `mse` + init segment went out): its first fragment sent is a keyframe one. */
  begin(epoch: number): void {
    this.epoch = epoch;
    // A timeline may open with fragments that hold no video keyframe (e.g. audio-only ones when the
    // source interleaves audio first).
    this.waitingForKey = true;
  }

  /** No timeline (left the channel, or codecs it cannot play). */
  reset(): void {
    this.epoch = -1;
    this.waitingForKey = false;
    this.lagging = false;
    this.overloadedSince = null;
  }

  backedUp(buffered: number): boolean {
    return buffered > this.maxBufferedBytes;
  }

  /** True when the viewer should be closed: overloaded for too long, or past the hard cap. */
  overloaded(buffered: number, now: number): boolean {
    if (this.overloadedSince !== null && buffered <= this.maxBufferedBytes / 2) this.overloadedSince = null;
    const hardCap = this.maxBufferedBytes * HARD_CAP_FACTOR + HARD_CAP_SLACK_BYTES;
    return buffered > hardCap || (this.overloadedSince !== null && now - this.overloadedSince > this.overloadCloseMs);
  }

  /** The verdict on one fragment of `epoch`, given the socket's queue now. */
  next(key: boolean, epoch: number, buffered: number, now: number): FragmentVerdict {
    if (epoch !== this.epoch) return 'ignore';
    if (this.waitingForKey) {
      if (!key) return this.lagging ? this.drop() : 'ignore';
      this.waitingForKey = false;
      this.lagging = false;
    }
    if (this.backedUp(buffered)) {
      // Too far behind: drop until the next keyframe so what it gets stays decodable.
      this.waitingForKey = true;
      this.lagging = true;
      this.overloadedSince ??= now;
      return this.drop();
    }
    return 'send';
  }

  private drop(): 'drop' {
    this.skipped++;
    return 'drop';
  }
}
