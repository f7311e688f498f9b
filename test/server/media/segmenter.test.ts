import { describe, expect, it } from 'vitest';
import { PushcastError } from '../../../server/core/errors.js';
import type { Mp4Box } from '../../../server/media/box-splitter.js';
import { Segmenter } from '../../../server/media/segmenter.js';
import { box, fullBox, u32 } from './boxes.js';

/**
 * Named boxes, each with a distinct payload byte so concatenations can be checked by name.
 * moofN carries mfhd sequence number N so the parsed MoofInfo can be traced back.
 */
const moofBox = (seq: number): Buffer => box('moof', fullBox('mfhd', 0, 0, u32(seq)));
const BOXES: Record<string, Buffer> = {
  ftyp: box('ftyp', Buffer.from('isom')),
  moov: box('moov', Buffer.from([1])),
  moov2: box('moov', Buffer.from([2])),
  ftyp2: box('ftyp', Buffer.from('iso6')),
  prft: box('prft', Buffer.from([3])),
  prft2: box('prft', Buffer.from([4])),
  styp: box('styp', Buffer.from('msdh')),
  sidx: box('sidx', Buffer.from([5])),
  emsg: box('emsg', Buffer.from([6])),
  moof1: moofBox(1),
  moof2: moofBox(2),
  mdat: box('mdat', Buffer.from([7, 7, 7])),
  mdat2: box('mdat', Buffer.from([8])),
  free: box('free', Buffer.from([9])),
  skip: box('skip'),
  udta: box('udta'),
  mfra: box('mfra', Buffer.from([10])),
  uuid: box('uuid', Buffer.alloc(16, 11)),
};

function named(name: string): Mp4Box {
  const data = BOXES[name];
  if (!data) throw new Error(`no test box "${name}"`);
  return { type: data.toString('latin1', 4, 8), data };
}

/** Output rows: 'init:ftyp+moov' or 'media#1:prft+moof1+mdat' (the moof's sequence number after #). */
type Row = string;

function run(names: string[]): Row[] {
  const seg = new Segmenter();
  const rows: Row[] = [];
  for (const n of names) {
    const s = seg.push(named(n));
    if (!s) continue;
    // Name the output by finding which named boxes, concatenated, make it up.
    rows.push(`${s.kind === 'media' ? `media#${s.moof.sequenceNumber}` : 'init'}:${decompose(s.data)}`);
  }
  return rows;
}

/** Splits `data` back into the names of BOXES it is made of (in order). */
function decompose(data: Buffer): string {
  const parts: string[] = [];
  let at = 0;
  while (at < data.length) {
    const size = data.readUInt32BE(at);
    const piece = data.subarray(at, at + size);
    const name = Object.keys(BOXES).find((k) => BOXES[k]?.equals(piece));
    parts.push(name ?? `?${piece.toString('latin1', 4, 8)}`);
    at += size;
  }
  return parts.join('+');
}

function expectBadStream(names: string[], pattern: RegExp): void {
  let caught: unknown;
  try {
    run(names);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PushcastError);
  expect((caught as PushcastError).code).toBe('BAD_STREAM');
  expect((caught as PushcastError).message).toMatch(pattern);
}

describe('Segmenter', () => {
  it.each<[string, string[], Row[]]>([
    ['init = ftyp + moov', ['ftyp', 'moov'], ['init:ftyp+moov']],
    ['nothing before the moov completes', ['ftyp'], []],
    ['padding before and inside the init is dropped', ['free', 'ftyp', 'skip', 'moov'], ['init:ftyp+moov']],
    ['prft + moof + mdat', ['ftyp', 'moov', 'prft', 'moof1', 'mdat'], ['init:ftyp+moov', 'media#1:prft+moof1+mdat']],
    ['a fragment without a prft', ['ftyp', 'moov', 'moof1', 'mdat'], ['init:ftyp+moov', 'media#1:moof1+mdat']],
    [
      'every prefix box rides in front of its moof, in stream order',
      ['ftyp', 'moov', 'styp', 'sidx', 'prft', 'emsg', 'moof1', 'mdat'],
      ['init:ftyp+moov', 'media#1:styp+sidx+prft+emsg+moof1+mdat'],
    ],
    [
      'prefix boxes belong to one fragment only',
      ['ftyp', 'moov', 'prft', 'moof1', 'mdat', 'prft2', 'moof2', 'mdat2'],
      ['init:ftyp+moov', 'media#1:prft+moof1+mdat', 'media#2:prft2+moof2+mdat2'],
    ],
    [
      'padding, unknown boxes, udta and the trailing mfra are dropped',
      ['ftyp', 'moov', 'free', 'prft', 'uuid', 'moof1', 'skip', 'mdat', 'udta', 'mfra'],
      ['init:ftyp+moov', 'media#1:prft+moof1+mdat'],
    ],
    ['a moof waits for its mdat', ['ftyp', 'moov', 'prft', 'moof1'], ['init:ftyp+moov']],
  ])('%s', (_name, input, expected) => {
    expect(run(input)).toEqual(expected);
  });

  it.each<[string, string[], RegExp]>([
    ['media before the init', ['moof1', 'mdat'], /"moof" box before the init segment/],
    ['mdat before the init', ['ftyp', 'mdat'], /"mdat" box before the init segment/],
    ['prft before the init', ['prft', 'ftyp', 'moov'], /"prft" box before the init segment/],
    ['a second moov', ['ftyp', 'moov', 'moov2'], /second "moov"/],
    ['a second ftyp', ['ftyp', 'moov', 'moof1', 'mdat', 'ftyp2'], /second "ftyp"/],
    ['two moofs in a row', ['ftyp', 'moov', 'moof1', 'moof2', 'mdat'], /two moof boxes/],
    ['an mdat without a moof', ['ftyp', 'moov', 'mdat'], /mdat without a moof/],
    ['a second mdat after a complete fragment', ['ftyp', 'moov', 'moof1', 'mdat', 'mdat2'], /mdat without a moof/],
  ])('BAD_STREAM: %s', (_name, input, pattern) => {
    expectBadStream(input, pattern);
  });

  it('BAD_STREAM for a box labelled moof whose bytes are not a moof', () => {
    const seg = new Segmenter();
    seg.push(named('ftyp'));
    seg.push(named('moov'));
    expect(() => seg.push({ type: 'moof', data: box('mdat') })).toThrow(/unreadable moof/);
  });

  it('passes the parsed moof along with the media segment', () => {
    const seg = new Segmenter();
    seg.push(named('ftyp'));
    seg.push(named('moov'));
    const moof = box('moof', fullBox('mfhd', 0, 0, u32(9)), box('traf', fullBox('tfhd', 0, 0, u32(1)), fullBox('tfdt', 0, 0, u32(4500))));
    expect(seg.push({ type: 'moof', data: moof })).toBeNull();
    const out = seg.push(named('mdat'));
    expect(out?.kind).toBe('media');
    if (out?.kind !== 'media') return;
    expect(out.moof).toEqual({ sequenceNumber: 9, tracks: [{ trackId: 1, baseDecodeTime: 4500, sampleCount: 0, duration: 0, firstSampleSync: null }] });
    expect(out.data.equals(Buffer.concat([moof, BOXES['mdat'] as Buffer]))).toBe(true);
  });
});
