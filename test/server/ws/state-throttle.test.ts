import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STATE_MIN_GAP_MS, StateThrottle } from '../../../server/ws/state-throttle.js';

describe('StateThrottle', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function make() {
    const sent: number[] = [];
    const env = { backedUp: false, active: true };
    const t = new StateThrottle<number>((v) => sent.push(v), () => env.backedUp, () => env.active);
    return { t, sent, env };
  }

  it('sends the first at once, then only the newest per gap', () => {
    const { t, sent } = make();
    t.offer(1);
    t.offer(2);
    t.offer(3);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(STATE_MIN_GAP_MS);
    expect(sent).toEqual([1, 3]);
  });

  it('holds the newest while backed up and retries until drained', () => {
    const { t, sent, env } = make();
    env.backedUp = true;
    t.offer(1);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
    t.offer(2);
    env.backedUp = false;
    vi.advanceTimersByTime(250);
    expect(sent).toEqual([2]);
  });

  it('drops held states once inactive or stopped', () => {
    const { t, sent, env } = make();
    t.offer(1);
    t.offer(2);
    env.active = false;
    vi.advanceTimersByTime(STATE_MIN_GAP_MS);
    expect(sent).toEqual([1]);
    env.active = true;
    t.offer(3); // the gap has passed: at once
    t.offer(4); // held
    t.stop();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([1, 3]);
  });
});
