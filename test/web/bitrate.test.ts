import { describe, expect, it } from 'vitest';
import { BitrateMeter } from '../../web/src/player/bitrate.js';

describe('BitrateMeter', () => {
  it('is 0 before any data', () => {
    expect(new BitrateMeter().bps(1000)).toBe(0);
  });

  it('averages a steady stream over the window', () => {
    const meter = new BitrateMeter(5000);
    // 25 kB every 200 ms = 1 Mbit/s, for 10 s.
    for (let t = 0; t <= 10_000; t += 200) meter.add(25_000, t);
    expect(meter.bps(10_000)).toBeCloseTo(1_000_000, -3);
  });

  it('divides by the elapsed time during the first window, at least 1 s', () => {
    const meter = new BitrateMeter(5000);
    meter.add(1000, 0);
    expect(meter.bps(100)).toBe(8000); // one early burst: divided by 1 s, not 0.1 s
    meter.add(1000, 1000);
    expect(meter.bps(2000)).toBe(8000); // 2000 bytes over 2 s
  });

  it('drops samples older than the window', () => {
    const meter = new BitrateMeter(5000);
    meter.add(10_000, 0);
    meter.add(5_000, 4000);
    expect(meter.bps(5000)).toBe((5_000 * 8) / 5);
    expect(meter.bps(9000)).toBe(0);
  });

  it('resets', () => {
    const meter = new BitrateMeter();
    meter.add(1000, 0);
    meter.reset();
    expect(meter.bps(10)).toBe(0);
  });
});
