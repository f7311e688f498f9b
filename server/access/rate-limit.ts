/**
 * A token bucket per client: `burst` commands at once, refilled at `perSecond`. Pure apart from
 * the clock, which is passed in. Used for control commands over WebSocket and HTTP.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(private readonly burst: number, private readonly perSecond: number, now: number) {
    if (!(burst >= 1) || !(perSecond > 0)) throw new TypeError('RateLimiter: burst must be ≥ 1 and perSecond > 0');
    this.tokens = burst;
    this.last = now;
  }

  /** Whether a token could be taken now (refills, takes nothing). */
  available(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
  }

  /** Takes one token; false when the client is over its rate (the command must be refused). */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
