import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SilenceWatchdog, checkSilence } from '../../web/src/player/silence.js';

describe('checkSilence', () => {
  it.each([
    // lastHeardAt, checkDueAt, now, timeout → verdict
    [0, 10_000, 10_000, 10_000, { kind: 'silent', silentMs: 10_000 }],
    [0, 10_000, 10_500, 10_000, { kind: 'silent', silentMs: 10_500 }], // a little late: still counts
    [4000, 10_000, 10_000, 10_000, { kind: 'ok', nextCheckAt: 14_000 }], // heard since: check later
    [9999, 10_000, 10_000, 10_000, { kind: 'ok', nextCheckAt: 19_999 }],
    [0, 10_000, 20_001, 10_000, { kind: 'slept', nextCheckAt: 30_001 }], // timer ran > timeout late
    [0, 10_000, 20_000, 10_000, { kind: 'silent', silentMs: 20_000 }], // exactly timeout late: not yet "asleep"
  ])('heard %i, due %i, now %i, timeout %i → %j', (heard, due, now, timeout, verdict) => {
    expect(checkSilence(heard, due, now, timeout)).toEqual(verdict);
  });
});

describe('SilenceWatchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once after timeoutMs of silence, not while fed', () => {
    const fired: number[] = [];
    const w = new SilenceWatchdog(3000, (ms) => fired.push(ms), () => Date.now());
    w.start();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(2500);
      w.heard();
    }
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(3000);
    expect(fired).toEqual([3000]);
    expect(w.running).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(fired).toHaveLength(1);
  });

  it('uses one timer however many frames arrive', () => {
    const w = new SilenceWatchdog(3000, () => undefined, () => Date.now());
    w.start();
    const before = vi.getTimerCount();
    for (let i = 0; i < 500; i++) w.heard();
    expect(vi.getTimerCount()).toBe(before);
    w.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a fresh window when its own timer ran far too late (a frozen tab)', () => {
    let clock = 0;
    const fired: number[] = [];
    const w = new SilenceWatchdog(1000, (ms) => fired.push(ms), () => clock);
    w.start();
    clock = 5000; // the page was frozen for 5 s: the timer fires only now
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    clock = 6000;
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([6000]);
  });

  it('rejects a non-positive timeout', () => {
    expect(() => new SilenceWatchdog(0, () => undefined)).toThrow(TypeError);
  });
});
