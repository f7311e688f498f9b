/**
 * Received bitrate over a sliding window (default 5 s). Pure: the caller passes timestamps (ms).
 */
export class BitrateMeter {
  private readonly samples: Array<{ atMs: number; bytes: number }> = [];
  private windowBytes = 0;
  private firstAtMs: number | null = null;

  /** @param windowMs width of the averaging window, ms. */
  constructor(private readonly windowMs = 5000) {
    if (!(windowMs > 0)) throw new TypeError(`windowMs must be > 0, got ${windowMs}`);
  }

  add(bytes: number, atMs: number): void {
    if (this.firstAtMs === null) this.firstAtMs = atMs;
    this.samples.push({ atMs, bytes });
    this.windowBytes += bytes;
    this.expire(atMs);
  }

  /**
   * Bits per second over the window ending at `nowMs`. During the first window we divide by the
   * time elapsed since the first sample (at least 1 s, so one early burst does not read as huge).
   */
  bps(nowMs: number): number {
    this.expire(nowMs);
    if (this.firstAtMs === null) return 0;
    const spanMs = Math.min(this.windowMs, Math.max(1000, nowMs - this.firstAtMs));
    return (this.windowBytes * 8 * 1000) / spanMs;
  }

  reset(): void {
    this.samples.length = 0;
    this.windowBytes = 0;
    this.firstAtMs = null;
  }

  private expire(nowMs: number): void {
    while (this.samples.length > 0 && this.samples[0]!.atMs <= nowMs - this.windowMs) {
      this.windowBytes -= this.samples.shift()!.bytes;
    }
  }
}
