/** A channel's bitrate over a sliding window of released fragments (the channel list shows it). */

/** Window over which the bitrate is measured, ms. */
export const BITRATE_WINDOW_MS = 5_000;

export class BitrateMeter {
  private recent: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = BITRATE_WINDOW_MS) {}

  add(bytes: number, now: number): void {
    this.recent.push({ at: now, bytes });
    while (this.recent.length && (this.recent[0] as { at: number }).at < now - this.windowMs) this.recent.shift();
  }

  /** Bits per second over the window (at least a second of it), or null when too little flowed. */
  bitsPerSecond(now: number): number | null {
    if (this.recent.length < 2) return null;
    const span = now - (this.recent[0] as { at: number }).at;
    if (span <= 0) return null;
    const bytes = this.recent.reduce((sum, r) => sum + r.bytes, 0);
    return Math.round((bytes * 8 * 1000) / Math.max(span, 1000));
  }
}
