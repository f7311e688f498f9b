import { describe, expect, it } from 'vitest';
import { foldPosition, playheadAt, type Playhead } from '../../../server/core/playhead.js';

const NOW = 1_000_000;
const playing: Playhead = { epoch: 2, version: 7, playing: true, mediaTime: 10, at: NOW - 2_000 };
const paused: Playhead = { epoch: 2, version: 7, playing: false, mediaTime: 10, at: NOW - 2_000 };

describe('playheadAt / foldPosition', () => {
  it.each([
    [playing, NOW, 12],
    [playing, NOW - 2_000, 10],
    [playing, NOW - 5_000, 10], // a clock behind `at` never moves the playhead backwards
    [paused, NOW + 60_000, 10],
  ])('playheadAt(%j, %d) = %d', (p, now, expected) => {
    expect(playheadAt(p, now)).toBeCloseTo(expected, 9);
  });

  it.each([
    [0, 60, 0], [59.5, 60, 59.5], [60, 60, 0], [125, 60, 5], [-1, 60, 59], [42, null, 42],
  ])('foldPosition(%d, %s) = %d', (t, d, expected) => {
    expect(foldPosition(t, d)).toBeCloseTo(expected, 9);
  });
});
