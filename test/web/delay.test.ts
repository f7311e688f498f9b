import { describe, expect, it } from 'vitest';
import { DelayTracker, delaySec } from '../../web/src/player/delay.js';

describe('delaySec', () => {
  it.each([
    // name, wallClockMs, mediaEnd, clientNowMs, offsetMs, currentTime, expected seconds
    ['playing the newest sample right when written', 10_000, 5, 10_000, 0, 5, 0],
    ['0.3 s behind the buffered end, fragment just arrived', 10_000, 5, 10_000, 0, 4.7, 0.3],
    ['fragment written 0.2 s ago', 10_000, 5, 10_200, 0, 4.7, 0.5],
    ['client clock 1 s behind the server', 10_000, 5, 9_200, 1000, 4.7, 0.5],
    ['client clock 1 s ahead of the server', 10_000, 5, 11_200, -1000, 4.7, 0.5],
    ['far behind', 10_000, 60, 12_000, 0, 50, 12],
  ])('%s', (_name, wallClockMs, mediaEnd, clientNowMs, offsetMs, currentTime, expected) => {
    expect(delaySec({ wallClockMs, mediaEnd }, clientNowMs, offsetMs, currentTime)).toBeCloseTo(expected, 9);
  });
});

describe('DelayTracker', () => {
  it('is null until it has an anchor and a clock offset', () => {
    const tracker = new DelayTracker();
    expect(tracker.delay(1000, 0, 0)).toBeNull();
    tracker.record({ wallClockMs: 1000, mediaEnd: 1 });
    expect(tracker.delay(1000, null, 0.5)).toBeNull();
    expect(tracker.delay(1000, 0, 0.5)).toBeCloseTo(0.5);
  });

  it('uses the newest anchor', () => {
    const tracker = new DelayTracker();
    tracker.record({ wallClockMs: 1000, mediaEnd: 1 });
    tracker.record({ wallClockMs: 1200, mediaEnd: 1.2 });
    expect(tracker.latest).toEqual({ wallClockMs: 1200, mediaEnd: 1.2 });
    expect(tracker.delay(1300, 0, 1.0)).toBeCloseTo(0.3);
  });

  it('ignores non-finite anchors and resets', () => {
    const tracker = new DelayTracker();
    tracker.record({ wallClockMs: 1000, mediaEnd: 1 });
    tracker.record({ wallClockMs: Number.NaN, mediaEnd: 2 });
    expect(tracker.latest?.mediaEnd).toBe(1);
    tracker.reset();
    expect(tracker.latest).toBeNull();
  });
});
