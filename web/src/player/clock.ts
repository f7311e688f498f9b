/**
 * Client ↔ server clock offset, estimated NTP-style (RFC 5905 §8) from `ping`/`pong` exchanges.
 *
 *   t0 client sends ping      t1 server receives it
 *   t3 client receives pong   t2 server sends pong
 *
 *   offset = ((t1 − t0) + (t2 − t3)) / 2     (server clock − client clock, ms)
 *   rtt    = (t3 − t0) − (t2 − t1)            (network round trip without server hold time, ms)
 *
 * The offset error is at most rtt / 2, so the sample with the smallest round trip among the recent
 * ones is the most trustworthy; we keep the last `windowSize` samples and report that one.
 * Pure: no timers, no DOM; the caller supplies all four timestamps.
 */
export interface ClockSample {
  /** Server clock minus client clock, ms. */
  offsetMs: number;
  /** Round trip excluding server processing, ms (≥ 0). */
  rttMs: number;
  /** Client time the pong arrived (t3), ms since epoch. */
  atMs: number;
}

/** One sample from the four timestamps; null when they are not finite or imply a negative round trip. */
export function clockSample(t0: number, t1: number, t2: number, t3: number): ClockSample | null {
  if (![t0, t1, t2, t3].every(Number.isFinite)) return null;
  const rttMs = t3 - t0 - (t2 - t1);
  // A negative round trip means a clock jumped mid-exchange (or the server's t2 < t1): unusable.
  if (rttMs < 0 || t2 < t1) return null;
  return { offsetMs: (t1 - t0 + (t2 - t3)) / 2, rttMs, atMs: t3 };
}

/** The sample with the smallest round trip (the latest one on ties); null for an empty list. */
export function bestSample(samples: readonly ClockSample[]): ClockSample | null {
  let best: ClockSample | null = null;
  for (const s of samples) if (best === null || s.rttMs <= best.rttMs) best = s;
  return best;
}

export class ClockEstimator {
  private readonly samples: ClockSample[] = [];

  /** @param windowSize how many recent samples compete for "best" (default 8). */
  constructor(private readonly windowSize = 8) {
    if (!Number.isInteger(windowSize) || windowSize < 1) throw new TypeError(`windowSize must be a positive integer, got ${windowSize}`);
  }

  /** Adds one pong's timestamps; returns the sample, or null when it was rejected. */
  addPong(t0: number, t1: number, t2: number, t3: number): ClockSample | null {
    const sample = clockSample(t0, t1, t2, t3);
    if (sample === null) return null;
    this.samples.push(sample);
    if (this.samples.length > this.windowSize) this.samples.shift();
    return sample;
  }

  /** Best current estimate, or null before the first valid pong. */
  get best(): ClockSample | null {
    return bestSample(this.samples);
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  reset(): void {
    this.samples.length = 0;
  }
}
