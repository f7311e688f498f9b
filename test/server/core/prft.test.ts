import { describe, expect, it } from 'vitest';
import { ntpToUnixMs, readPrft, type ProducerReferenceTime } from '../../../server/core/prft.js';
import { box, fullBox, hex, u32, u64 } from '../media/boxes.js';

// NTP counts seconds from 1900-01-01 (RFC 5905 §6); Unix from 1970-01-01: 70 years + 17 leap days.
const NTP_1970 = (70 * 365 + 17) * 86_400;
// 2024-01-01T00:00:00Z in Unix seconds, from Date.UTC rather than from the code under test.
const UNIX_2024 = Date.UTC(2024, 0, 1) / 1000;

/** prft (ISO/IEC 14496-12 §8.16.5): reference_track_ID, ntp_timestamp (32.32), media_time (32 or 64 bits). */
const prft0 = (track: number, ntpS: number, ntpF: number, media: number): Buffer => fullBox('prft', 0, 0, u32(track, ntpS, ntpF, media));
const prft1 = (track: number, ntpS: number, ntpF: number, media: number | bigint): Buffer => fullBox('prft', 1, 0x18, u32(track, ntpS, ntpF), u64(media));

describe('ntpToUnixMs', () => {
  it.each<[string, number, number, number]>([
    ['the Unix epoch', NTP_1970, 0, 0],
    ['half a second (fraction 2^31)', NTP_1970, 2 ** 31, 500],
    ['a quarter second (fraction 2^30)', NTP_1970 + 1, 2 ** 30, 1250],
    ['2024-01-01T00:00:00Z', NTP_1970 + UNIX_2024, 0, Date.UTC(2024, 0, 1)],
    ['1 ms after 2024-01-01 (fraction 2^32 / 1000)', NTP_1970 + UNIX_2024, 2 ** 32 / 1000, Date.UTC(2024, 0, 1) + 1],
    ['the NTP epoch itself', 0, 0, -NTP_1970 * 1000],
  ])('%s', (_name, seconds, fraction, ms) => {
    expect(ntpToUnixMs(seconds, fraction)).toBeCloseTo(ms, 6);
  });

  it('the NTP/Unix offset is 2 208 988 800 s', () => {
    expect(NTP_1970).toBe(2_208_988_800);
  });
});

describe('readPrft', () => {
  it.each<[string, Buffer, ProducerReferenceTime]>([
    ['version 0 (32-bit media time)', prft0(1, NTP_1970 + UNIX_2024, 2 ** 31, 90_000), { trackId: 1, wallClockMs: Date.UTC(2024, 0, 1) + 500, mediaTime: 90_000 }],
    ['version 1 (64-bit media time above 2^32)', prft1(2, NTP_1970 + 10, 0, 2 ** 40 + 3), { trackId: 2, wallClockMs: 10_000, mediaTime: 2 ** 40 + 3 }],
    ['version 1, the bytes ffmpeg writes', hex('00000020 70726674 01000018 00000001 eeade762 80000000 00000000 00000400'), { trackId: 1, wallClockMs: (0xeeade762 - NTP_1970) * 1000 + 500, mediaTime: 1024 }],
    ['a prft followed by a moof', Buffer.concat([prft0(1, NTP_1970, 0, 7), box('moof')]), { trackId: 1, wallClockMs: 0, mediaTime: 7 }],
  ])('%s', (_name, bytes, expected) => {
    const got = readPrft(bytes);
    expect(got).not.toBeNull();
    expect(got?.trackId).toBe(expected.trackId);
    expect(got?.mediaTime).toBe(expected.mediaTime);
    expect(got?.wallClockMs).toBeCloseTo(expected.wallClockMs, 6);
  });

  it('reads at an offset inside a view that does not start at its buffer start', () => {
    const whole = Buffer.concat([Buffer.alloc(5, 0xff), box('free', hex('0102')), prft0(3, NTP_1970 + 1, 0, 42)]);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 5, whole.length - 5);
    expect(readPrft(view, 10)).toEqual({ trackId: 3, wallClockMs: 1000, mediaTime: 42 });
  });

  it.each<[string, Buffer, number]>([
    ['empty', Buffer.alloc(0), 0],
    ['shorter than the smallest prft', prft0(1, 0, 0, 0).subarray(0, 23), 0],
    ['a moof', box('moof', Buffer.alloc(24)), 0],
    ['version 0 cut to 27 bytes', prft0(1, 0, 0, 0).subarray(0, 27), 0],
    ['version 1 cut to 31 bytes', prft1(1, 0, 0, 0).subarray(0, 31), 0],
    ['version 1 whose size says 28 (no room for 64-bit media time)', Buffer.concat([hex('0000001c 70726674 01000000'), u32(1, 0, 0, 0), u32(0)]), 0],
    ['a size larger than the bytes', Buffer.concat([hex('00000040 70726674 00000000'), u32(1, 0, 0, 0)]), 0],
    ['an unknown version (2)', fullBox('prft', 2, 0, u32(1, 0, 0), u64(0)), 0],
    ['an offset past the end', prft0(1, 0, 0, 0), 100],
    ['an offset inside the box', prft0(1, 0, 0, 0), 4],
  ])('null for %s', (_name, bytes, offset) => {
    expect(readPrft(bytes, offset)).toBeNull();
  });
});
