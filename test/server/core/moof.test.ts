import { describe, expect, it } from 'vitest';
import { parseMoof, startsWithKeyframe, type TrackFragmentInfo } from '../../../server/core/moof.js';
import { box, fullBox, hex, u32, u64 } from '../media/boxes.js';

// Sample flags (ISO/IEC 14496-12 §8.8.3.1): a sync sample depends on nothing (sample_depends_on = 2);
// a non-sync sample depends on others (1) and has sample_is_non_sync_sample (bit 16) set.
const SYNC = 0x0200_0000;
const NON_SYNC = 0x0101_0000;

const mfhd = (seq: number): Buffer => fullBox('mfhd', 0, 0, u32(seq));
const tfhd = (flags: number, trackId: number, ...fields: Buffer[]): Buffer => fullBox('tfhd', 0, flags, u32(trackId), ...fields);
const tfdt0 = (t: number): Buffer => fullBox('tfdt', 0, 0, u32(t));
const tfdt1 = (t: number | bigint): Buffer => fullBox('tfdt', 1, 0, u64(t));
const trun = (flags: number, count: number, ...fields: Buffer[]): Buffer => fullBox('trun', 0, flags, u32(count), ...fields);
const traf = (...children: Buffer[]): Buffer => box('traf', ...children);
const moof = (...children: Buffer[]): Buffer => box('moof', ...children);

/** The usual track: id 1 with tfhd default-base-is-moof (0x020000) and nothing else. */
const TFHD1 = tfhd(0x02_0000, 1);

describe('parseMoof: one traf', () => {
  it.each<[string, Buffer[], TrackFragmentInfo]>([
    [
      'per-sample durations, first_sample_flags = sync',
      [TFHD1, tfdt0(9000), trun(0x001 | 0x004 | 0x100, 3, u32(0), u32(SYNC), u32(3000, 3000, 3001))],
      { trackId: 1, baseDecodeTime: 9000, sampleCount: 3, duration: 9001, firstSampleSync: true },
    ],
    [
      'first_sample_flags = non-sync',
      [TFHD1, tfdt0(0), trun(0x004 | 0x100, 2, u32(NON_SYNC), u32(512, 512))],
      { trackId: 1, baseDecodeTime: 0, sampleCount: 2, duration: 1024, firstSampleSync: false },
    ],
    [
      '64-bit tfdt (version 1) above 2^32',
      [TFHD1, tfdt1(2 ** 33 + 5), trun(0x100, 1, u32(1000))],
      { trackId: 1, baseDecodeTime: 2 ** 33 + 5, sampleCount: 1, duration: 1000, firstSampleSync: null },
    ],
    [
      'per-sample flags: the first sample decides (sync)',
      [TFHD1, tfdt0(1), trun(0x100 | 0x400, 2, u32(10, SYNC), u32(10, NON_SYNC))],
      { trackId: 1, baseDecodeTime: 1, sampleCount: 2, duration: 20, firstSampleSync: true },
    ],
    [
      'per-sample flags: the first sample decides (non-sync)',
      [TFHD1, tfdt0(1), trun(0x100 | 0x400, 2, u32(10, NON_SYNC), u32(10, SYNC))],
      { trackId: 1, baseDecodeTime: 1, sampleCount: 2, duration: 20, firstSampleSync: false },
    ],
    [
      'first_sample_flags override the first per-sample flags',
      [TFHD1, tfdt0(1), trun(0x004 | 0x400, 2, u32(SYNC), u32(NON_SYNC), u32(NON_SYNC))],
      { trackId: 1, baseDecodeTime: 1, sampleCount: 2, duration: null, firstSampleSync: true },
    ],
    [
      'all fields per sample (duration, size, flags, composition offset)',
      [TFHD1, tfdt0(0), trun(0x001 | 0x100 | 0x200 | 0x400 | 0x800, 2, u32(99), u32(100, 5000, NON_SYNC, 0), u32(200, 7000, SYNC, 0))],
      { trackId: 1, baseDecodeTime: 0, sampleCount: 2, duration: 300, firstSampleSync: false },
    ],
    [
      'durations from tfhd default_sample_duration, flags from default_sample_flags (sync)',
      [tfhd(0x08 | 0x20, 2, u32(1024), u32(SYNC)), tfdt0(44100), trun(0x001 | 0x200, 4, u32(0), u32(1, 2, 3, 4))],
      { trackId: 2, baseDecodeTime: 44100, sampleCount: 4, duration: 4096, firstSampleSync: true },
    ],
    [
      'default_sample_flags non-sync',
      [tfhd(0x20, 1, u32(NON_SYNC)), tfdt0(0), trun(0, 5)],
      { trackId: 1, baseDecodeTime: 0, sampleCount: 5, duration: null, firstSampleSync: false },
    ],
    [
      'tfhd with every optional field before the defaults (base_data_offset, sample_description_index, size)',
      [tfhd(0x01 | 0x02 | 0x08 | 0x10 | 0x20, 7, u64(123456), u32(1), u32(512), u32(999), u32(SYNC)), tfdt0(5), trun(0, 3)],
      { trackId: 7, baseDecodeTime: 5, sampleCount: 3, duration: 1536, firstSampleSync: true },
    ],
    [
      'no durations anywhere (left to trex) and no flags anywhere',
      [TFHD1, tfdt0(77), trun(0x200, 2, u32(10, 20))],
      { trackId: 1, baseDecodeTime: 77, sampleCount: 2, duration: null, firstSampleSync: null },
    ],
    [
      'no tfdt',
      [TFHD1, trun(0x100, 1, u32(40))],
      { trackId: 1, baseDecodeTime: null, sampleCount: 1, duration: 40, firstSampleSync: null },
    ],
    [
      'no trun: zero samples',
      [TFHD1, tfdt0(3)],
      { trackId: 1, baseDecodeTime: 3, sampleCount: 0, duration: 0, firstSampleSync: null },
    ],
    [
      'two truns: counts and durations add up, the first sample is in the first trun',
      [TFHD1, tfdt0(0), trun(0x004 | 0x100, 2, u32(SYNC), u32(10, 10)), trun(0x004 | 0x100, 1, u32(NON_SYNC), u32(5))],
      { trackId: 1, baseDecodeTime: 0, sampleCount: 3, duration: 25, firstSampleSync: true },
    ],
    [
      'an empty first trun: the first sample is in the second trun',
      [TFHD1, tfdt0(0), trun(0x004, 0, u32(SYNC)), trun(0x004 | 0x100, 1, u32(NON_SYNC), u32(5))],
      { trackId: 1, baseDecodeTime: 0, sampleCount: 1, duration: 5, firstSampleSync: false },
    ],
    [
      'a trun without durations after one with them: total unknown',
      [TFHD1, tfdt0(0), trun(0x100, 1, u32(10)), trun(0, 1)],
      { trackId: 1, baseDecodeTime: 0, sampleCount: 2, duration: null, firstSampleSync: null },
    ],
    [
      'unknown boxes inside traf are skipped',
      [TFHD1, box('sbgp', u32(0, 0)), tfdt0(8), box('uuid', Buffer.alloc(16)), trun(0x100, 1, u32(3))],
      { trackId: 1, baseDecodeTime: 8, sampleCount: 1, duration: 3, firstSampleSync: null },
    ],
  ])('%s', (_name, children, expected) => {
    expect(parseMoof(moof(mfhd(1), traf(...children)))).toEqual({ sequenceNumber: 1, tracks: [expected] });
  });
});

describe('parseMoof: the moof around it', () => {
  it('reads the sequence number and one entry per traf, in order', () => {
    const bytes = moof(
      mfhd(42),
      traf(tfhd(0, 1), tfdt0(3000), trun(0x004 | 0x100, 1, u32(SYNC), u32(3000))),
      traf(tfhd(0x08, 2, u32(1024)), tfdt0(2048), trun(0, 2)),
    );
    expect(parseMoof(bytes)).toEqual({
      sequenceNumber: 42,
      tracks: [
        { trackId: 1, baseDecodeTime: 3000, sampleCount: 1, duration: 3000, firstSampleSync: true },
        { trackId: 2, baseDecodeTime: 2048, sampleCount: 2, duration: 2048, firstSampleSync: null },
      ],
    });
  });

  it('reads a moof that sits inside a larger buffer at a non-zero offset', () => {
    const inner = moof(mfhd(5), traf(tfhd(0, 3), tfdt0(12)));
    const pool = Buffer.concat([Buffer.alloc(13, 0xee), inner, box('mdat', hex('00'))]);
    expect(parseMoof(pool.subarray(13, 13 + inner.length))).toEqual({
      sequenceNumber: 5,
      tracks: [{ trackId: 3, baseDecodeTime: 12, sampleCount: 0, duration: 0, firstSampleSync: null }],
    });
  });

  it('an empty moof has no tracks', () => {
    expect(parseMoof(box('moof'))).toEqual({ sequenceNumber: 0, tracks: [] });
  });

  it.each<[string, string]>([
    ['empty input', ''],
    ['shorter than a header', '00000008 6d6f'],
    ['another box', '00000008 6d646174'],
    ['moov is not moof', '00000008 6d6f6f76'],
  ])('not a moof → null: %s', (_name, input) => {
    expect(parseMoof(hex(input))).toBeNull();
  });
});

describe('parseMoof: corrupt input never throws', () => {
  const good = moof(
    mfhd(1),
    traf(tfhd(0x01 | 0x08 | 0x20, 1, u64(0), u32(512), u32(SYNC)), tfdt1(1234), trun(0x001 | 0x004 | 0x100 | 0x200, 2, u32(8), u32(NON_SYNC), u32(1, 2, 3, 4))),
  );

  // Cut the moof at every byte, keeping its declared size: children that run past the end are ignored.
  it.each(Array.from({ length: good.length - 7 }, (_, i) => i + 8))('cut to %i bytes', (n) => {
    expect(() => parseMoof(good.subarray(0, n))).not.toThrow();
  });

  // Shrink the declared sizes of moof, traf and the leaf so a leaf box ends right where the buffer ends
  // although its flags promise more fields: reads must stay inside the box.
  const inTraf = (leaf: Buffer): Buffer => moof(traf(leaf));
  it.each<[string, Buffer]>([
    ['tfhd promising base_data_offset + defaults', inTraf(tfhd(0x01 | 0x08 | 0x10 | 0x20, 1))],
    ['tfhd promising default_sample_duration', inTraf(tfhd(0x08, 1))],
    ['tfhd promising default_sample_flags', inTraf(tfhd(0x20, 1))],
    ['tfhd without a track_ID', inTraf(fullBox('tfhd', 0, 0))],
    ['tfdt version 1 with a 32-bit time', inTraf(fullBox('tfdt', 1, 0, u32(7)))],
    ['trun promising data_offset and first_sample_flags', inTraf(trun(0x001 | 0x004, 1))],
    ['trun promising first_sample_flags', inTraf(trun(0x004, 1))],
    ['trun promising 3 per-sample entries, holding 1', inTraf(trun(0x100 | 0x400, 3, u32(10, SYNC)))],
    ['mfhd with no sequence number', moof(fullBox('mfhd', 0, 0))],
  ])('a box that ends at the end of the buffer although its flags promise more: %s', (_name, bytes) => {
    expect(() => parseMoof(bytes)).not.toThrow();
  });

  it('does not read a tfhd default past the tfhd into the next box', () => {
    // tfhd says default_sample_duration is present but the box ends after track_ID;
    // the next box (tfdt) must not be read as that duration.
    const info = parseMoof(moof(traf(tfhd(0x08, 1), tfdt0(0xabcd), trun(0, 2))));
    expect(info?.tracks[0]?.baseDecodeTime).toBe(0xabcd);
    expect(info?.tracks[0]?.duration).toBeNull();
  });

  it('a truncated version-1 tfdt gives no decode time rather than a wrong one', () => {
    const info = parseMoof(moof(traf(tfhd(0, 1), fullBox('tfdt', 1, 0, u32(7)))));
    expect(info?.tracks[0]?.baseDecodeTime).toBeNull();
  });

  it('a trun claiming 2^32 - 1 samples with no per-sample fields returns at once', () => {
    const started = performance.now();
    const info = parseMoof(moof(traf(tfhd(0x08, 1, u32(1)), trun(0, 0xffff_ffff))));
    expect(performance.now() - started).toBeLessThan(200);
    expect(info?.tracks[0]?.sampleCount).toBe(0xffff_ffff);
    expect(info?.tracks[0]?.duration).toBe(0xffff_ffff);
  });
});

describe('startsWithKeyframe (a whole media message: prft?, moof, mdat)', () => {
  const keyMoof = moof(mfhd(1), traf(TFHD1, tfdt0(0), trun(0x004, 1, u32(SYNC))));
  const deltaMoof = moof(mfhd(2), traf(TFHD1, tfdt0(0), trun(0x004, 1, u32(NON_SYNC))));
  const audioKeyVideoDelta = moof(mfhd(3), traf(TFHD1, tfdt0(0), trun(0x004, 1, u32(NON_SYNC))), traf(tfhd(0x02_0000, 2), tfdt0(0), trun(0x004, 1, u32(SYNC))));
  const prft = fullBox('prft', 1, 0, u32(1), u64(0), u64(0));
  const mdat = box('mdat', hex('00 01 02 03'));
  it.each<[string, Buffer, boolean]>([
    ['moof + mdat, keyframe', Buffer.concat([keyMoof, mdat]), true],
    ['prft first, keyframe', Buffer.concat([prft, keyMoof, mdat]), true],
    ['prft first, delta frame', Buffer.concat([prft, deltaMoof, mdat]), false],
    ['track 1 (video) decides, not the audio track', Buffer.concat([audioKeyVideoDelta, mdat]), false],
    ['no moof at all', Buffer.concat([prft, mdat]), false],
    ['a box claiming a size below 8', Buffer.concat([u32(4), Buffer.from('moof')]), false],
    ['empty', Buffer.alloc(0), false],
  ])('%s → %s', (_name, message, expected) => expect(startsWithKeyframe(message)).toBe(expected));
});
