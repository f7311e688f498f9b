import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SYNC_OPTIONS,
  channelTime,
  decideSync,
  isStaleState,
  resolveSyncOptions,
  type SyncAction,
  type SyncInput,
  type SyncTarget,
} from '../../web/src/player/sync.js';
import type { BufferedRange } from '../../web/src/player/live-edge.js';

/** Ranges from a compact "start-end start-end" string. */
function ranges(spec: string): BufferedRange[] {
  if (spec === '') return [];
  return spec.split(' ').map((pair) => {
    const [start, end] = pair.split('-').map(Number);
    return { start: start!, end: end! };
  });
}

const playing = (mediaTime: number): SyncTarget => ({ mediaTime, playing: true });
const paused = (mediaTime: number): SyncTarget => ({ mediaTime, playing: false });

type Video = { t: number; paused?: boolean; seeking?: boolean; rate?: number; buffered?: string; converging?: boolean };
type Row = [name: string, video: Video, target: SyncTarget | null, expected: Omit<SyncAction, 'driftMs'>];

function input(v: Video, target: SyncTarget | null): SyncInput {
  return {
    currentTime: v.t,
    paused: v.paused ?? false,
    seeking: v.seeking ?? false,
    playbackRate: v.rate ?? 1,
    buffered: ranges(v.buffered ?? '10-20'),
    target,
    converging: v.converging ?? false,
  };
}

// Defaults: nudge above 60 ms until ≤ 20 ms, ±5 %, jump from 400 ms (landing 300 ms ahead), paused tolerance 10 ms.
const rows: Row[] = [
  ['no target yet', { t: 12 }, null, { playbackRate: 1, reason: 'no-target' }],
  ['seeking toward the channel: keep the nudge rate, wait', { t: 12, seeking: true, rate: 1.05 }, playing(12.3), { playbackRate: 1.05, reason: 'seeking' }],
  ['seeking to where the channel no longer is (3 s off): redirect', { t: 12, seeking: true, rate: 1.05 }, playing(15), { playbackRate: 1, pause: true, seekTo: 15.3, playInMs: 300, reason: 'jump' }],
  ['seeking before the buffer, paused, channel 27 s ahead: jump into the buffer', { t: 1.5, seeking: true, paused: true, buffered: '16-29' }, playing(28), { playbackRate: 1, seekTo: 28.3, playInMs: 300, reason: 'jump' }],
  ['in sync', { t: 12 }, playing(12.03), { playbackRate: 1, reason: 'in-sync' }],
  ['just under the nudge threshold: leave it', { t: 12 }, playing(12.059), { playbackRate: 1, reason: 'in-sync' }],
  ['70 ms behind → 1.05×', { t: 12 }, playing(12.07), { playbackRate: 1.05, reason: 'nudge' }],
  ['70 ms ahead → 0.95×', { t: 12.07 }, playing(12), { playbackRate: 0.95, reason: 'nudge' }],
  ['350 ms behind still nudges', { t: 12 }, playing(12.35), { playbackRate: 1.05, reason: 'nudge' }],
  ['450 ms behind → jump instead of a 9 s nudge', { t: 12 }, playing(12.45), { playbackRate: 1, pause: true, seekTo: 12.75, playInMs: 300, reason: 'jump' }],
  ['nudging up, 30 ms behind: keep going', { t: 12, rate: 1.05 }, playing(12.03), { playbackRate: 1.05, reason: 'nudge' }],
  ['nudging up, 15 ms behind: settled', { t: 12, rate: 1.05 }, playing(12.015), { playbackRate: 1, reason: 'in-sync' }],
  ['nudging up but now 30 ms ahead: stop', { t: 12.03, rate: 1.05 }, playing(12), { playbackRate: 1, reason: 'in-sync' }],
  ['converging after a jump, 45 ms behind: nudge it away', { t: 12, converging: true }, playing(12.045), { playbackRate: 1.05, reason: 'nudge' }],
  ['converging after a jump, 45 ms ahead: nudge it away', { t: 12.045, converging: true }, playing(12), { playbackRate: 0.95, reason: 'nudge' }],
  ['converging, 15 ms behind: in sync', { t: 12, converging: true }, playing(12.015), { playbackRate: 1, reason: 'in-sync' }],
  ['converging, paused video 40 ms behind: play and nudge', { t: 12, paused: true, converging: true }, playing(12.04), { playbackRate: 1.05, play: true, reason: 'nudge' }],
  ['nudging down, 30 ms ahead: keep going', { t: 12.03, rate: 0.95 }, playing(12), { playbackRate: 0.95, reason: 'nudge' }],
  ['1 s behind → pause, jump 300 ms ahead, play when the channel gets there', { t: 12 }, playing(13), { playbackRate: 1, pause: true, seekTo: 13.3, playInMs: 300, reason: 'jump' }],
  ['3 s ahead → jump back', { t: 15 }, playing(12), { playbackRate: 1, pause: true, seekTo: 12.3, playInMs: 300, reason: 'jump' }],
  ['new timeline at 0 → jump to the channel', { t: 0, paused: true, buffered: '31-32.5' }, playing(31.4), { playbackRate: 1, seekTo: 31.7, playInMs: 300, reason: 'jump' }],
  ['paused after a jump, 200 ms ahead: wait', { t: 31.7, paused: true, buffered: '31-32.5' }, playing(31.5), { playbackRate: 1, playInMs: 200, reason: 'preroll' }],
  ['paused after a jump, 50 ms ahead: play now', { t: 31.7, paused: true, buffered: '31-32.5' }, playing(31.65), { playbackRate: 1, play: true, reason: 'in-sync' }],
  ['paused video, in sync → play', { t: 12, paused: true }, playing(12.01), { playbackRate: 1, play: true, reason: 'in-sync' }],
  ['paused video, behind (the seek took longer than the preroll) → play and nudge', { t: 12, paused: true }, playing(12.2), { playbackRate: 1.05, play: true, reason: 'nudge' }],
  ['landing past the buffered end: pause and wait for the data (a seek there would be clamped)', { t: 12, buffered: '10-12.5' }, playing(14), { playbackRate: 1, pause: true, reason: 'wait-for-data' }],
  ['joiner, first fragment only: wait for the rest of the burst', { t: 0, paused: true, buffered: '6.95-7.34' }, playing(7.74), { playbackRate: 1, reason: 'wait-for-data' }],
  ['joiner, burst appended: jump 300 ms ahead', { t: 0, paused: true, buffered: '6.95-9.15' }, playing(7.74), { playbackRate: 1, seekTo: 8.04, playInMs: 300, reason: 'jump' }],
  ['landing in a hole between ranges: wait', { t: 12, buffered: '10-12.5 14.5-16' }, playing(14), { playbackRate: 1, pause: true, reason: 'wait-for-data' }],
  ['nothing buffered: wait', { t: 0, buffered: '' }, playing(31), { playbackRate: 1, reason: 'no-data' }],
  ['nothing buffered, paused video: wait', { t: 0, paused: true, buffered: '' }, playing(31), { playbackRate: 1, reason: 'no-data' }],
  ['channel before the first keyframe: sit on it', { t: 0, paused: true, buffered: '32-33' }, playing(31.5), { playbackRate: 1, seekTo: 32, playInMs: 500, reason: 'wait-for-channel' }],
  ['channel before the first keyframe, already there', { t: 32, paused: true, buffered: '32-33' }, playing(31.8), { playbackRate: 1, playInMs: 200, reason: 'wait-for-channel' }],
  ['channel before the first keyframe, playing → pause', { t: 32, buffered: '32-33' }, playing(31.8), { playbackRate: 1, pause: true, playInMs: 200, reason: 'wait-for-channel' }],
  ['channel 50 ms before the first frame: go', { t: 32, paused: true, buffered: '32-33' }, playing(31.95), { playbackRate: 1, play: true, reason: 'in-sync' }],
  ['channel paused: pause and settle on its position', { t: 12.3 }, paused(12.25), { playbackRate: 1, pause: true, seekTo: 12.25, reason: 'paused' }],
  ['channel paused, video paused 5 ms off: leave it', { t: 12.255, paused: true }, paused(12.25), { playbackRate: 1, reason: 'paused' }],
  ['channel paused, video paused far off: seek', { t: 0, paused: true, buffered: '' }, paused(20), { playbackRate: 1, seekTo: 20, reason: 'paused' }],
  ['channel paused, nudging: back to 1×', { t: 12.25, paused: true, rate: 1.05 }, paused(12.25), { playbackRate: 1, reason: 'paused' }],
];

describe('decideSync', () => {
  it.each(rows)('%s', (_name, video, target, expected) => {
    const action = decideSync(input(video, target), DEFAULT_SYNC_OPTIONS);
    // Times computed from seconds carry float noise: compare those to 1 µs.
    const { driftMs, seekTo, playInMs, ...rest } = action;
    const { seekTo: expectedSeek, playInMs: expectedIn, ...expectedRest } = expected;
    expect(rest).toEqual(expectedRest);
    if (expectedSeek === undefined) expect(seekTo).toBeUndefined();
    else expect(seekTo).toBeCloseTo(expectedSeek, 6);
    if (expectedIn === undefined) expect(playInMs).toBeUndefined();
    else expect(playInMs).toBeCloseTo(expectedIn, 3);
    if (target === null) expect(driftMs).toBeNull();
    else expect(driftMs).toBeCloseTo((video.t - target.mediaTime) * 1000, 6);
  });

  it('honours configured thresholds', () => {
    const options = resolveSyncOptions({ nudgeThresholdMs: 100, settleMs: 40, jumpThresholdMs: 500, nudgeRate: 0.1 });
    expect(decideSync(input({ t: 12 }, playing(12.08)), options)).toMatchObject({ playbackRate: 1, reason: 'in-sync' });
    expect(decideSync(input({ t: 12 }, playing(12.2)), options)).toMatchObject({ playbackRate: 1.1, reason: 'nudge' });
    expect(decideSync(input({ t: 12 }, playing(12.5)), options)).toMatchObject({ seekTo: 12.8, reason: 'jump' });
  });
});

describe('channelTime', () => {
  const info = { mediaTime: 31, positionAt: 1_000_000 };
  it.each([
    ['playing, 1.5 s later', true, 1_001_500, 32.5],
    ['playing, at positionAt', true, 1_000_000, 31],
    ['playing, clock slightly before positionAt: never behind mediaTime', true, 999_990, 31],
    ['paused: stays put', false, 1_005_000, 31],
  ] as const)('%s', (_name, isPlaying, now, expected) => {
    expect(channelTime({ ...info, playing: isPlaying }, now)).toBeCloseTo(expected, 9);
  });
});

describe('isStaleState', () => {
  it.each([
    ['first state', null, { epoch: 1, version: 3 }, false],
    ['newer version', { epoch: 1, version: 3 }, { epoch: 1, version: 4 }, false],
    ['same version (periodic repeat)', { epoch: 1, version: 3 }, { epoch: 1, version: 3 }, false],
    ['older version, same epoch', { epoch: 1, version: 4 }, { epoch: 1, version: 3 }, true],
    ['new epoch, lower version (server restarted)', { epoch: 5, version: 9 }, { epoch: 1, version: 1 }, false],
  ] as const)('%s', (_name, last, next, expected) => {
    expect(isStaleState(last, next)).toBe(expected);
  });
});

describe('resolveSyncOptions', () => {
  it('returns the defaults', () => {
    expect(resolveSyncOptions()).toEqual(DEFAULT_SYNC_OPTIONS);
  });
  it.each([
    [{ nudgeThresholdMs: -1 }, /nudgeThresholdMs must be a finite number/],
    [{ settleMs: 60 }, /settleMs \(60\) must be below nudgeThresholdMs/],
    [{ jumpThresholdMs: 50 }, /jumpThresholdMs \(50\) must exceed/],
    [{ nudgeRate: 0.5 }, /nudgeRate must be below 0.5/],
    [{ pausedToleranceMs: Number.NaN }, /pausedToleranceMs must be a finite number/],
    [{ prerollMs: 1000 }, /prerollMs \(1000\) must be below jumpThresholdMs/],
  ] as const)('rejects %o', (options, message) => {
    expect(() => resolveSyncOptions(options)).toThrow(message);
  });
});
