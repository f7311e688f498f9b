import { describe, expect, it } from 'vitest';
import { PushcastError } from '../../../server/core/errors.js';
import { BoxSplitter, type Mp4Box } from '../../../server/media/box-splitter.js';
import { box, hex, largeBox } from './boxes.js';

/** Pushes chunks in order and returns every box as [type, hex of the whole box]. */
function split(chunks: Buffer[], maxBoxBytes?: number): [string, string][] {
  const splitter = new BoxSplitter(maxBoxBytes);
  const out: Mp4Box[] = [];
  for (const c of chunks) out.push(...splitter.push(c));
  return out.map((b) => [b.type, b.data.toString('hex')]);
}

/** Expects `fn` to throw a PushcastError with code BAD_STREAM whose message matches `pattern`. */
function expectBadStream(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PushcastError);
  expect((caught as PushcastError).code).toBe('BAD_STREAM');
  expect((caught as PushcastError).message).toMatch(pattern);
}

// A stream that exercises both header forms: a plain box, a largesize box, an empty (header-only)
// box, and a box with a payload longer than one header.
const FTYP = box('ftyp', hex('69736f6d 00000200'));
const LARGE = largeBox('moov', hex('0102030405'));
const EMPTY = box('free');
const MDAT = box('mdat', Buffer.from('0123456789abcdefghij', 'latin1'));
const STREAM = Buffer.concat([FTYP, LARGE, EMPTY, MDAT]);
const EXPECTED: [string, string][] = [FTYP, LARGE, EMPTY, MDAT].map((b) => [b.toString('latin1', 4, 8), b.toString('hex')]);

describe('BoxSplitter: whole chunks', () => {
  it.each<[string, string, [string, string][]]>([
    ['nothing', '', []],
    ['one 8-byte empty box', '00000008 66726565', [['free', '0000000866726565']]],
    ['one box with a payload', '0000000c 6d646174 deadbeef', [['mdat', '0000000c6d646174deadbeef']]],
    ['two boxes in one chunk', '00000008 66726565 00000009 6d646174 ff', [['free', '0000000866726565'], ['mdat', '000000096d646174ff']]],
    ['a largesize box (size 1, 64-bit size 17)', '00000001 6d646174 00000000 00000011 aa', [['mdat', '000000016d6461740000000000000011aa']]],
    ['an empty largesize box (64-bit size 16)', '00000001 66726565 00000000 00000010', [['free', '00000001667265650000000000000010']]],
    ['a whole box then a partial header', '00000008 66726565 000000', [['free', '0000000866726565']]],
    ['a whole box then a partial payload', '00000008 66726565 00000010 6d646174 0102', [['free', '0000000866726565']]],
    ['a type with non-ASCII bytes (read as latin1)', '00000008 a9746f6f', [['\u00a9too', '00000008a9746f6f']]],
  ])('%s', (_name, input, expected) => {
    expect(split([hex(input)])).toEqual(expected);
  });

  it('returns many boxes from one chunk in stream order', () => {
    const boxes = Array.from({ length: 500 }, (_, i) => box(i % 2 ? 'moof' : 'mdat', Buffer.alloc(i % 7, i)));
    const out = split([Buffer.concat(boxes)]);
    expect(out).toEqual(boxes.map((b) => [b.toString('latin1', 4, 8), b.toString('hex')]));
  });

  it('counts the bytes it holds back as pendingBytes', () => {
    const s = new BoxSplitter();
    expect(s.push(hex('00000010 6d646174 01'))).toEqual([]);
    expect(s.pendingBytes).toBe(9);
    expect(s.push(hex('02030405 060708'))).toHaveLength(1);
    expect(s.pendingBytes).toBe(0);
    s.push(hex('000000'));
    expect(s.pendingBytes).toBe(3);
  });
});

describe('BoxSplitter: chunk boundaries', () => {
  it('the test stream has headers of both sizes', () => {
    expect(STREAM.readUInt32BE(FTYP.length)).toBe(1); // LARGE starts with size = 1
    expect(STREAM.length).toBe(FTYP.length + LARGE.length + EMPTY.length + MDAT.length);
  });

  // Every single split point, including each offset inside the 8-byte and the 16-byte headers.
  it.each(Array.from({ length: STREAM.length + 1 }, (_, i) => i))('split at byte %i', (at) => {
    expect(split([STREAM.subarray(0, at), STREAM.subarray(at)])).toEqual(EXPECTED);
  });

  it('every pair of split points (three chunks)', () => {
    for (let a = 0; a <= STREAM.length; a++) {
      for (let b = a; b <= STREAM.length; b++) {
        const got = split([STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
        expect(got, `split at ${a} and ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('one byte at a time: each box comes out exactly when its last byte arrives', () => {
    const s = new BoxSplitter();
    const ends = new Set<number>();
    let end = 0;
    for (const b of [FTYP, LARGE, EMPTY, MDAT]) ends.add((end += b.length));
    const out: [string, string][] = [];
    for (let i = 0; i < STREAM.length; i++) {
      const got = s.push(STREAM.subarray(i, i + 1));
      expect(got.length, `after byte ${i + 1}`).toBe(ends.has(i + 1) ? 1 : 0);
      out.push(...got.map((b): [string, string] => [b.type, b.data.toString('hex')]));
    }
    expect(out).toEqual(EXPECTED);
    expect(s.pendingBytes).toBe(0);
  });

  it('a large box arriving one byte at a time costs linear time, not quadratic', () => {
    // 64 KiB in 65 536 pushes: re-reading the header across all held chunks on every push took
    // seconds here; reading it once per box takes milliseconds.
    const big = box('mdat', Buffer.alloc(64 * 1024 - 8, 1));
    const s = new BoxSplitter();
    const started = performance.now();
    let out: Mp4Box[] = [];
    for (let i = 0; i < big.length; i++) out = out.concat(s.push(big.subarray(i, i + 1)));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(out).toHaveLength(1);
    expect(out[0]?.data.equals(big)).toBe(true);
  });

  it('returned boxes are unaffected by later pushes', () => {
    const s = new BoxSplitter();
    const [first] = s.push(Buffer.concat([FTYP, LARGE.subarray(0, 3)]));
    s.push(LARGE.subarray(3));
    expect(first?.data.toString('hex')).toBe(FTYP.toString('hex'));
  });
});

describe('BoxSplitter: malformed sizes → BAD_STREAM', () => {
  it.each<[string, string, RegExp]>([
    ['size 0 (to end of file)', '00000000 6d646174', /size 0/],
    ['largesize 0', '00000001 6d646174 00000000 00000000', /64-bit box size 0/],
    ['size 4 (< 8)', '00000004 6d646174', /size 4 is smaller than its header/],
    ['size 7 (< 8)', '00000007 6d646174', /size 7 is smaller/],
    ['size 2 (< 8)', '00000002 6d646174', /size 2 is smaller/],
    ['largesize 15 (< 16)', '00000001 6d646174 00000000 0000000f', /64-bit box size 15/],
    ['largesize 8 (< 16)', '00000001 6d646174 00000000 00000008', /64-bit box size 8/],
    ['largesize above 2^53', '00000001 6d646174 00200000 00000000', /out of range/],
    ['largesize 2^64 - 1', '00000001 6d646174 ffffffff ffffffff', /out of range/],
    ['a bad box after a good one', '00000008 66726565 00000003 6d646174', /size 3/],
  ])('%s', (_name, input, pattern) => {
    expectBadStream(() => split([hex(input)]), pattern);
  });

  it.each<[string, string]>([
    ['32-bit size', '00000101 6d646174'],
    ['64-bit size', '00000001 6d646174 00000000 00000101'],
  ])('refuses a box over the limit as soon as its %s header is complete', (_name, header) => {
    // 0x101 = 257 bytes against a 256-byte limit; the payload never arrives.
    expectBadStream(() => split([hex(header)], 256), /257 bytes exceeds the 256-byte limit/);
  });

  it('accepts a box of exactly the limit', () => {
    const b = box('mdat', Buffer.alloc(248));
    expect(split([b], 256)).toEqual([['mdat', b.toString('hex')]]);
  });

  it('applies the 64 MiB default limit', () => {
    expectBadStream(() => split([hex('04000001 6d646174')]), /exceeds the 67108864-byte limit/);
  });

  it.each(Array.from({ length: 7 }, (_, i) => i + 1))('finds size 0 when its header is split after byte %i', (at) => {
    const bad = hex('00000008 66726565 00000000 6d646174');
    const s = new BoxSplitter();
    expect(s.push(bad.subarray(0, 8 + at)).map((b) => b.type)).toEqual(['free']);
    expectBadStream(() => s.push(bad.subarray(8 + at)), /size 0/);
  });

  it.each(Array.from({ length: 15 }, (_, i) => i + 1))('finds a too-small largesize split after header byte %i', (at) => {
    const bad = hex('00000001 6d646174 00000000 0000000c');
    const s = new BoxSplitter();
    expect(s.push(bad.subarray(0, at))).toEqual([]);
    expectBadStream(() => s.push(bad.subarray(at)), /64-bit box size 12/);
  });

  it('throws for a size-0 header whose 8 bytes arrive together with a good box', () => {
    expectBadStream(() => split([hex('00000008 66726565 00000000 6d646174')]), /"mdat" has size 0/);
  });
});
