import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF, backoffCeilingMs, checkBackoffOptions, closePolicy, nextRetryNumber, reconnectDelayMs, type BackoffOptions,
} from '../../web/src/player/backoff.js';
import { seededRandom } from '../helpers/random.js';

/** Reproducible randomness: test/helpers/random.ts. */
const seeded = seededRandom;

describe('backoffCeilingMs (0.5 s doubling to a 30 s cap)', () => {
  it.each([
    [0, 0], [1, 500], [2, 1000], [3, 2000], [4, 4000], [5, 8000], [6, 16_000], [7, 30_000], [8, 30_000], [1000, 30_000],
  ])('retry %i → ceiling %i ms', (attempt, ms) => {
    expect(backoffCeilingMs(attempt)).toBe(ms);
  });
});

describe('reconnectDelayMs: full jitter below the ceiling', () => {
  it.each([
    // attempt, close code, random(), delay: floor 100 + r · (ceiling − 100)
    [1, 1006, 0, 100],
    [1, 1006, 0.5, 300],
    [1, 1006, 0.999999, 500],
    [3, 1001, 0, 100],
    [3, 1001, 0.25, 575],
    [3, 4001, 1, 2000],
    [7, 1006, 0.5, 15_050],
    [0, 1006, 1, 500], // attempt 0 is treated as the first retry
    // client bugs: still reconnect, but uniformly in [15 s, 30 s]
    [1, 1008, 0, 15_000],
    [1, 1008, 0.5, 22_500],
    [1, 1009, 1, 30_000],
    // a broken random source cannot make a negative or huge delay
    [2, 1006, Number.NaN, 100],
    [2, 1006, 7, 1000],
    [2, 1006, -3, 100],
  ])('attempt %i, code %i, random %d → %i ms', (attempt, code, r, ms) => {
    expect(reconnectDelayMs(attempt, code, () => r)).toBe(ms);
  });

  it('stays within [floor, ceiling] for every attempt, and spreads 1000 viewers over the window', () => {
    const random = seeded(9);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = backoffCeilingMs(attempt);
      const delays = Array.from({ length: 1000 }, () => reconnectDelayMs(attempt, 1001, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.floorMs);
      expect(Math.max(...delays)).toBeLessThanOrEqual(ceiling);
      // Full jitter: no tenth of the window holds more than twice its share (uniform: 100 each).
      const buckets = new Array<number>(10).fill(0);
      for (const d of delays) buckets[Math.min(9, Math.floor(((d - DEFAULT_BACKOFF.floorMs) / (ceiling - DEFAULT_BACKOFF.floorMs)) * 10))]!++;
      expect(Math.max(...buckets)).toBeLessThan(200);
      expect(Math.min(...buckets)).toBeGreaterThan(40);
    }
  });

  it('after a restart, 200 viewers do not come back in the same millisecond', () => {
    const random = seeded(1);
    const delays = Array.from({ length: 200 }, () => reconnectDelayMs(1, 1001, random));
    const perMs = new Map<number, number>();
    for (const d of delays) perMs.set(d, (perMs.get(d) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(5);
  });

  it('honours custom options', () => {
    const o: BackoffOptions = { minDelayMs: 1000, maxDelayMs: 4000, factor: 3, floorMs: 0, resetAfterMs: 0 };
    expect([1, 2, 3].map((a) => reconnectDelayMs(a, 1006, () => 1, o))).toEqual([1000, 3000, 4000]);
    expect(reconnectDelayMs(1, 1008, () => 0, o)).toBe(2000);
  });
});

describe('closePolicy', () => {
  it.each([
    [1000, 'normal'], [1001, 'normal'], [1006, 'normal'], [1011, 'normal'], [4000, 'normal'], [4001, 'normal'],
    [1008, 'penalty'], [1009, 'penalty'],
  ])('%i → %s', (code, policy) => {
    expect(closePolicy(code)).toBe(policy);
  });
});

describe('nextRetryNumber', () => {
  it.each([
    // previous, delivered, openForMs, next
    [0, true, 60_000, 1],
    [6, true, 5000, 1],
    [6, true, 4999, 7], // accepted then closed quickly: keep backing off
    [2, false, 60_000, 3], // open but never a message (a proxy that accepts and hangs)
    [2, false, null, 3], // never opened
    [0, false, null, 1],
  ])('previous %i, delivered %s, open %s ms → %i', (previous, delivered, openForMs, next) => {
    expect(nextRetryNumber(previous, delivered, openForMs)).toBe(next);
  });
});

describe('checkBackoffOptions', () => {
  it.each([
    [{ minDelayMs: 0 }],
    [{ maxDelayMs: 100 }],
    [{ factor: 0.5 }],
    [{ floorMs: -1 }],
    [{ floorMs: 600 }],
    [{ resetAfterMs: Number.NaN }],
  ])('rejects %j', (bad) => {
    expect(() => checkBackoffOptions({ ...DEFAULT_BACKOFF, ...bad })).toThrow(TypeError);
  });
  it('accepts the defaults', () => {
    expect(() => checkBackoffOptions(DEFAULT_BACKOFF)).not.toThrow();
  });
});
