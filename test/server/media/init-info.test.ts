/**
 * Unit tests for parseInitSegment on inputs that are not an init segment. Real ffmpeg init segments
 * (the MIME string, codecs and timescales) are checked in the integration test fmp4-real.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PushcastError } from '../../../server/core/errors.js';
import { parseInitSegment } from '../../../server/media/init-info.js';
import { box, fullBox, hex, u32 } from './boxes.js';

const FTYP = box('ftyp', Buffer.from('isom'), u32(0x200), Buffer.from('isomiso6'));
/** A syntactically fine moov with only an mvhd: no tracks at all. */
const MVHD = fullBox('mvhd', 0, 0, u32(0, 0, 1000, 0, 0x0001_0000), Buffer.from([1, 0]), Buffer.alloc(10), u32(0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000), Buffer.alloc(24), u32(2));

function garbage(n: number): Buffer {
  // Deterministic noise: a linear congruential sequence.
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

describe('parseInitSegment: not an init segment → BAD_STREAM', () => {
  it.each<[string, Uint8Array, RegExp]>([
    ['empty', new Uint8Array(0), /could not be read/],
    ['three bytes', hex('000000'), /could not be read/],
    ['random bytes', garbage(4096), /could not be read/],
    ['text', Buffer.from('this is not an mp4 file at all, just words', 'latin1'), /could not be read/],
    ['only an ftyp', FTYP, /could not be read/],
    ['a media fragment', Buffer.concat([box('moof', fullBox('mfhd', 0, 0, u32(1))), box('mdat', hex('00'))]), /could not be read/],
    ['ftyp + a moov whose size runs past the end', Buffer.concat([FTYP, hex('00001000 6d6f6f76 00000000')]), /could not be read/],
    ['ftyp + a moov without tracks', Buffer.concat([FTYP, box('moov', MVHD)]), /no audio or video track/],
  ])('%s', (_name, bytes, pattern) => {
    let caught: unknown;
    try {
      parseInitSegment(bytes);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PushcastError);
    expect((caught as PushcastError).code).toBe('BAD_STREAM');
    expect((caught as PushcastError).message).toMatch(pattern);
  });

  it('the mvhd used above is the size ISO/IEC 14496-12 §8.2.2 gives a version-0 mvhd (108 bytes)', () => {
    expect(MVHD.length).toBe(108);
  });
});
