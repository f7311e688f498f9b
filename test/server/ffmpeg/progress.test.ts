import { describe, expect, it } from 'vitest';
import { outTimeSec, progressOf } from '../../../server/ffmpeg/progress.js';

describe('outTimeSec', () => {
  it.each([
    ['out_time_us=2500000', 2.5],
    ['out_time_ms=1000000', 1],
    ['out_time=00:01:02.500000', 62.5],
    ['out_time=01:00:00.000000', 3600],
    ['out_time=-00:00:00.023220', 0],
    ['out_time_us=-23220', 0],
    ['out_time_us=N/A', null],
    ['out_time=N/A', null],
    ['frame=30', null],
    ['progress=continue', null],
    ['garbage', null],
    ['', null],
  ])('%j → %s', (line, expected) => {
    expect(outTimeSec(line)).toBe(expected);
  });
});

describe('progressOf', () => {
  it.each([
    ['no length', 5, null, 1000, null],
    ['zero length', 5, 0, 1000, null],
    ['just started: no time promised', 0.1, 60, 100, { fraction: 0.002, etaSec: null }],
    ['a quarter in 2 s: 6 s to go', 15, 60, 2000, { fraction: 0.25, etaSec: 6 }],
    ['half', 30, 60, 10_000, { fraction: 0.5, etaSec: 10 }],
    ['past the end is held below 1', 61, 60, 10_000, { fraction: 0.99, etaSec: 0 }],
  ])('%s', (_name, done, total, elapsed, expected) => {
    expect(progressOf(done, total, elapsed)).toEqual(expected);
  });
});
