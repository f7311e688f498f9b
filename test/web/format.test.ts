import { describe, expect, it } from 'vitest';
import { channelFromPath, formatBitrate, formatBytes, formatClock, formatSeconds } from '../../web/src/pages/format.js';

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
