import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pinger } from '../../web/src/player/pinger.js';

describe('Pinger', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends a burst of 5 pings 200 ms apart, then one per second', () => {
    const at: number[] = [];
    const pinger = new Pinger(() => at.push(Date.now()));
    const t0 = Date.now();
    pinger.start();
    vi.advanceTimersByTime(3000);
    pinger.stop();
    expect(at.map((t) => t - t0)).toEqual([0, 200, 400, 600, 800, 1800, 2800]);
    vi.advanceTimersByTime(5000);
    expect(at).toHaveLength(7);
  });

  it('restarts with a fresh burst', () => {
    let count = 0;
    const pinger = new Pinger(() => count++, { burstCount: 2, burstIntervalMs: 100, intervalMs: 1000 });
    pinger.start();
    vi.advanceTimersByTime(1100); // 0, 100, 1100
    pinger.start(); // reconnect
    vi.advanceTimersByTime(100); // +0, +100
    pinger.stop();
    expect(count).toBe(5);
  });
});
