import { describe, expect, it } from 'vitest';
import { channelFromPath, describeSupervision, formatBitrate, formatBytes, formatClock, formatSeconds, formatWait, playerStateText } from '../../web/src/pages/format.js';

describe('formatBitrate', () => {
  it.each([
    [null, '–'],
    [Number.NaN, '–'],
    [0, '0 bit/s'],
    [999, '999 bit/s'],
    [64_000, '64 kbit/s'],
    [1_234_567, '1.23 Mbit/s'],
  ])('%s → %s', (bps, text) => expect(formatBitrate(bps)).toBe(text));
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 ** 2, '5.0 MiB'],
  ])('%s → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatSeconds', () => {
  it.each([
    [null, '–'],
    [0.3456, '0.35 s'],
    [Number.POSITIVE_INFINITY, '–'],
  ])('%s → %s', (sec, text) => expect(formatSeconds(sec)).toBe(text));
});

describe('channelFromPath', () => {
  it.each([
    ['/watch/test', 'test'],
    ['/watch/test/', 'test'],
    ['/watch/my%20cam', 'my cam'],
    ['/watch/%E0%A4%A', null],
    ['/watch/', null],
    ['/watch/a/b', null],
    ['/', null],
  ])('%s → %s', (path, id) => expect(channelFromPath(path)).toBe(id));
});

describe('formatClock', () => {
  it.each([
    [null, '–'],
    [Number.NaN, '–'],
    [0, '0:00.0'],
    [9.96, '0:10.0'],
    [75.34, '1:15.3'],
    [59.99, '1:00.0'],
    [3725, '1:02:05.0'],
    [-2.5, '−0:02.5'],
  ])('%s → %s', (sec, text) => expect(formatClock(sec)).toBe(text));
});

describe('formatWait', () => {
  it.each([
    [0, 'now'],
    [-5, 'now'],
    [Number.NaN, 'now'],
    [1, '1 s'],
    [3200, '4 s'],
    [59_000, '59 s'],
    [60_000, '1 min'],
    [95_000, '1 min 35 s'],
  ])('%s ms → %s', (ms, text) => expect(formatWait(ms)).toBe(text));
});

describe('playerStateText', () => {
  it.each([
    ['playing', 0, 'playing'],
    ['reconnecting', 3, 'reconnecting (attempt 3)'],
    ['reconnecting', 0, 'reconnecting'],
    ['suspended', 0, 'suspended (tab in background)'],
  ])('%s, attempt %i → %s', (state, attempt, text) => expect(playerStateText(state, attempt)).toBe(text));
});

describe('describeSupervision', () => {
  const base = { status: 'running' as const, attempt: 0, nextRetryAt: null, error: null };
  const err = { code: 'FFMPEG_EXIT' as const, message: 'ffmpeg exited with code 1' };
  it.each([
    [base, { text: '', error: '' }],
    [{ ...base, status: 'retrying' as const, attempt: 3, nextRetryAt: 14_000, error: err }, { text: 'attempt 3 · retry in 4 s', error: 'FFMPEG_EXIT: ffmpeg exited with code 1' }],
    [{ ...base, status: 'retrying' as const, attempt: 1, nextRetryAt: 9000, error: err }, { text: 'attempt 1 · retrying now', error: 'FFMPEG_EXIT: ffmpeg exited with code 1' }],
    [{ ...base, status: 'error' as const, attempt: 5, nextRetryAt: 70_000, error: err }, { text: 'attempt 5 · retry in 1 min', error: 'FFMPEG_EXIT: ffmpeg exited with code 1' }],
    [{ ...base, status: 'starting' as const, attempt: 2, nextRetryAt: null, error: err }, { text: 'attempt 2', error: 'FFMPEG_EXIT: ffmpeg exited with code 1' }],
    // a running channel keeps its last error until media flows, but shows no retry line
    [{ ...base, attempt: 0, error: err }, { text: '', error: 'FFMPEG_EXIT: ffmpeg exited with code 1' }],
  ])('%j → %j', (info, expected) => expect(describeSupervision(info, 10_000)).toEqual(expected));
});
