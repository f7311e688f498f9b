import { describe, expect, it } from 'vitest';
import { ClockEstimator, bestSample, clockSample } from '../../web/src/player/clock.js';

describe('clockSample', () => {
  it.each([
    // name, t0, t1, t2, t3, offsetMs, rttMs
    ['same clocks, 20 ms each way', 1000, 1020, 1020, 1040, 0, 40],
    ['server 500 ms ahead', 1000, 1520, 1521, 1041, 500, 40],
    ['server 500 ms behind', 1000, 520, 522, 1042, -500, 40],
    ['server holds 10 ms', 1000, 1010, 1020, 1030, 0, 20],
    ['asymmetric path: error ≤ rtt/2', 1000, 1030, 1030, 1040, 10, 40],
    ['zero round trip', 5000, 5000, 5000, 5000, 0, 0],
  ])('%s', (_name, t0, t1, t2, t3, offsetMs, rttMs) => {
    expect(clockSample(t0, t1, t2, t3)).toEqual({ offsetMs, rttMs, atMs: t3 });
  });

  it.each([
    ['negative round trip (client clock jumped back)', 1000, 1010, 1010, 990],
    ['server send before receive', 1000, 1020, 1010, 1040],
    ['NaN', Number.NaN, 1, 1, 1],
    ['Infinity', 1, 1, Number.POSITIVE_INFINITY, 1],
  ])('rejects %s', (_name, t0, t1, t2, t3) => {
    expect(clockSample(t0, t1, t2, t3)).toBeNull();
  });
});

describe('bestSample', () => {
  it('is null when empty', () => expect(bestSample([])).toBeNull());
  it('picks the smallest round trip, the newest on ties', () => {
    const a = { offsetMs: 1, rttMs: 30, atMs: 1 };
    const b = { offsetMs: 2, rttMs: 10, atMs: 2 };
    const c = { offsetMs: 3, rttMs: 10, atMs: 3 };
    expect(bestSample([a, b, c])).toBe(c);
    expect(bestSample([a, b])).toBe(b);
  });
});

describe('ClockEstimator', () => {
  it('keeps the best of the last 8 samples', () => {
    const clock = new ClockEstimator();
    expect(clock.best).toBeNull();
    // One excellent sample (rtt 2 ms, offset 100) followed by 8 worse ones (rtt 50 ms, offset 120).
    clock.addPong(0, 101, 101, 2);
    expect(clock.best?.offsetMs).toBe(100);
    for (let i = 1; i <= 7; i++) clock.addPong(i * 1000, i * 1000 + 145, i * 1000 + 145, i * 1000 + 50);
    expect(clock.best).toMatchObject({ offsetMs: 100, rttMs: 2 });
    clock.addPong(8000, 8145, 8145, 8050); // the 9th sample pushes the good one out of the window
    expect(clock.sampleCount).toBe(8);
    expect(clock.best).toMatchObject({ offsetMs: 120, rttMs: 50, atMs: 8050 });
  });

  it('ignores rejected samples', () => {
    const clock = new ClockEstimator(2);
    expect(clock.addPong(10, 0, 0, 5)).toBeNull();
    expect(clock.sampleCount).toBe(0);
  });

  it('can be reset', () => {
    const clock = new ClockEstimator();
    clock.addPong(0, 1, 1, 2);
    clock.reset();
    expect(clock.best).toBeNull();
  });

  it('rejects a bad window size', () => {
    expect(() => new ClockEstimator(0)).toThrow(TypeError);
  });
});
