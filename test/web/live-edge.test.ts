import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIVE_EDGE_OPTIONS,
  decideLiveEdge,
  resolveLiveEdgeOptions,
  toRanges,
  trackProgress,
  type BufferedRange,
  type LiveEdgeDecision,
} from '../../web/src/player/live-edge.js';

/** Ranges from a compact "start-end start-end" string. */
function ranges(spec: string): BufferedRange[] {
  if (spec === '') return [];
  return spec.split(' ').map((pair) => {
    const [start, end] = pair.split('-').map(Number);
    return { start: start!, end: end! };
  });
}

type Row = [name: string, currentTime: number, buffered: string, paused: boolean, stalledSec: number, expected: LiveEdgeDecision];

// The rules, with round numbers (the shipped defaults are tested below): target 0.3 s, max rate
// 1.15, gain 0.2/s, dead band 0.05 s, jump 2 s, stall 0.5 s, gap tolerance 0.05 s.
const TABLE = resolveLiveEdgeOptions({ targetDelaySec: 0.3, maxPlaybackRate: 1.15, catchUpGain: 0.2, catchUpDeadbandSec: 0.05, jumpThresholdSec: 2, stallTimeoutSec: 0.5, gapToleranceSec: 0.05 });
const rows: Row[] = [
  ['nothing buffered', 0, '', false, 0, { playbackRate: 1, reason: 'no-data' }],
  ['nothing buffered, paused', 3, '', true, 0, { playbackRate: 1, reason: 'no-data' }],
  ['on target', 9.7, '5-10', false, 0, { playbackRate: 1, reason: 'on-target' }],
  ['inside dead band', 9.66, '5-10', false, 0, { playbackRate: 1, reason: 'on-target' }],
  ['closer than target', 9.9, '5-10', false, 0, { playbackRate: 1, reason: 'on-target' }],
  ['0.5 s excess → 1.1×', 9.2, '5-10', false, 0, { playbackRate: 1.1, reason: 'catch-up' }],
  ['0.2 s excess → 1.04×', 9.5, '5-10', false, 0, { playbackRate: 1.04, reason: 'catch-up' }],
  ['1.7 s excess → capped at 1.15×', 8, '5-10', false, 0, { playbackRate: 1.15, reason: 'catch-up' }],
  ['exactly at jump threshold: catch up', 8, '0-10', false, 0, { playbackRate: 1.15, reason: 'catch-up' }],
  ['beyond jump threshold → jump to end − target', 7.9, '0-10', false, 0, { playbackRate: 1, seekTo: 9.7, reason: 'behind' }],
  ['far behind across ranges → jump', 1, '0-4 4.5-10', false, 0, { playbackRate: 1, seekTo: 9.7, reason: 'behind' }],
  ['before first range → jump to the live target', 0, '0.2-0.6', false, 0, { playbackRate: 1, seekTo: 0.3, reason: 'before-start' }],
  ['before first range, even paused', 0, '0.2-0.6', true, 0, { playbackRate: 1, seekTo: 0.3, reason: 'before-start' }],
  ['before a short first range: the target clamps to its start', 0, '0.2-0.4', false, 0, { playbackRate: 1, seekTo: 0.2, reason: 'before-start' }],
  ['before a long buffer → jump to live target', 0, '1-10', false, 0, { playbackRate: 1, seekTo: 9.7, reason: 'before-start' }],
  ['in a gap → jump to next start', 4.2, '0-4 4.5-6', false, 0, { playbackRate: 1, seekTo: 4.5, reason: 'gap' }],
  ['in a gap far from the edge → live target', 4.2, '0-4 4.5-9', false, 0, { playbackRate: 1, seekTo: 8.7, reason: 'gap' }],
  ['at the end of a range a gap follows', 3.97, '0-4 4.5-6', false, 0, { playbackRate: 1, seekTo: 4.5, reason: 'gap' }],
  ['short last range: target clamps to its start', 3.99, '0-4 4.5-4.6', false, 0, { playbackRate: 1, seekTo: 4.5, reason: 'gap' }],
  ['past the end by a little: underrun, wait', 10.1, '5-10', false, 0, { playbackRate: 1, reason: 'underrun' }],
  ['past the end by a lot: timeline moved back', 30, '0-1', false, 0, { playbackRate: 1, seekTo: 0.7, reason: 'ahead' }],
  ['paused and behind: leave alone', 1, '0-10', true, 0, { playbackRate: 1, reason: 'paused' }],
  ['paused and near the edge', 9, '0-10', true, 0, { playbackRate: 1, reason: 'paused' }],
  ['stalled with data ahead → jump to live target', 8.5, '5-10', false, 0.6, { playbackRate: 1, seekTo: 9.7, reason: 'stall' }],
  ['stalled near the edge → small nudge', 9.8, '5-10', false, 0.5, { playbackRate: 1, seekTo: 9.9, reason: 'stall' }],
  ['stalled but below timeout', 8.5, '5-10', false, 0.4, { playbackRate: 1.15, reason: 'catch-up' }],
  ['stalled with nothing ahead: underrun, no jump', 9.95, '5-10', false, 3, { playbackRate: 1, reason: 'on-target' }],
  ['stalled while paused: not a stall', 8.5, '5-10', true, 3, { playbackRate: 1, reason: 'paused' }],
];

describe('decideLiveEdge', () => {
  it.each(rows)('%s', (_name, currentTime, buffered, paused, stalledSec, expected) => {
    const got = decideLiveEdge({ currentTime, buffered: ranges(buffered), paused, stalledSec }, TABLE);
    expect(got.reason).toBe(expected.reason);
    expect(got.playbackRate).toBeCloseTo(expected.playbackRate, 6);
    if (expected.seekTo === undefined) expect(got.seekTo).toBeUndefined();
    else expect(got.seekTo).toBeCloseTo(expected.seekTo, 6);
  });

  it('never returns a rate below 1 or above the cap', () => {
    for (let t = 0; t <= 12; t += 0.01) {
      const { playbackRate } = decideLiveEdge({ currentTime: t, buffered: ranges('0-4 4.3-10'), paused: false, stalledSec: 0 }, TABLE);
      expect(playbackRate).toBeGreaterThanOrEqual(1);
      expect(playbackRate).toBeLessThanOrEqual(DEFAULT_LIVE_EDGE_OPTIONS.maxPlaybackRate);
    }
  });

  it('honours a custom target delay', () => {
    const options = resolveLiveEdgeOptions({ targetDelaySec: 1, jumpThresholdSec: 2 });
    expect(decideLiveEdge({ currentTime: 9, buffered: ranges('0-10'), paused: false, stalledSec: 0 }, options)).toEqual({ playbackRate: 1, reason: 'on-target' });
    expect(decideLiveEdge({ currentTime: 7, buffered: ranges('0-10'), paused: false, stalledSec: 0 }, options)).toEqual({ playbackRate: 1, seekTo: 9, reason: 'behind' });
  });
});

describe('the shipped defaults', () => {
  const live = (currentTime: number, buffered: string): LiveEdgeDecision => decideLiveEdge({ currentTime, buffered: ranges(buffered), paused: false, stalledSec: 0 });
  it('a joiner handed a 1 s GOP starts at the live target, not at the keyframe a second back', () => {
    expect(live(0, '41-42.1')).toEqual({ playbackRate: 1, seekTo: 42.1 - DEFAULT_LIVE_EDGE_OPTIONS.targetDelaySec, reason: 'before-start' });
  });
  it('a second behind while playing is caught up by rate, not by a seek (each seek freezes the picture)', () => {
    expect(live(41.1, '41-42.1')).toMatchObject({ reason: 'catch-up' });
    expect(live(41.1, '41-42.1').seekTo).toBeUndefined();
  });
  it('only more than 2 s behind is jumped', () => {
    expect(live(40, '38-42.1').seekTo).toBeCloseTo(42.1 - DEFAULT_LIVE_EDGE_OPTIONS.targetDelaySec, 6);
  });
});

describe('resolveLiveEdgeOptions', () => {
  it('returns the defaults', () => {
    expect(resolveLiveEdgeOptions()).toEqual(DEFAULT_LIVE_EDGE_OPTIONS);
  });
  it.each([
    [{ maxPlaybackRate: 0.9 }, /maxPlaybackRate must be ≥ 1/],
    [{ targetDelaySec: -1 }, /targetDelaySec must be a finite number/],
    [{ jumpThresholdSec: Number.NaN }, /jumpThresholdSec must be a finite number/],
    [{ targetDelaySec: 3, jumpThresholdSec: 2 }, /must exceed targetDelaySec/],
  ])('rejects %o', (options, message) => {
    expect(() => resolveLiveEdgeOptions(options)).toThrow(message);
  });
});

describe('trackProgress', () => {
  it.each([
    ['first sample', null, 1, false, 1000, { lastTime: 1, lastAdvanceMs: 1000 }, 0],
    ['advancing', { lastTime: 1, lastAdvanceMs: 1000 }, 1.2, false, 1200, { lastTime: 1.2, lastAdvanceMs: 1200 }, 0],
    ['stuck 0.6 s', { lastTime: 1, lastAdvanceMs: 1000 }, 1, false, 1600, { lastTime: 1, lastAdvanceMs: 1000 }, 0.6],
    ['stuck but paused', { lastTime: 1, lastAdvanceMs: 1000 }, 1, true, 1600, { lastTime: 1, lastAdvanceMs: 1600 }, 0],
    ['moved backwards (seek)', { lastTime: 5, lastAdvanceMs: 1000 }, 2, false, 1600, { lastTime: 2, lastAdvanceMs: 1600 }, 0],
  ] as const)('%s', (_name, prev, currentTime, paused, nowMs, state, stalledSec) => {
    const got = trackProgress(prev, currentTime, paused, nowMs);
    expect(got.state).toEqual(state);
    expect(got.stalledSec).toBeCloseTo(stalledSec, 6);
  });
});

describe('toRanges', () => {
  it('converts a TimeRanges-like object', () => {
    const starts = [0, 5];
    const ends = [4, 9];
    expect(toRanges({ length: 2, start: (i) => starts[i]!, end: (i) => ends[i]! })).toEqual(ranges('0-4 5-9'));
  });
});
