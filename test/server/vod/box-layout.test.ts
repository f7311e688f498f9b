import { describe, expect, it } from 'vitest';
import { classifyLayout, parseBoxHeader } from '../../../server/vod/box-layout.js';
import type { BoxHeader, HeaderResult } from '../../../server/vod/box-layout.js';

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('parseBoxHeader', () => {
  it.each<[string, string, number, number, HeaderResult]>([
    ['32-bit size', '00000020 66747970', 0, 1000, { ok: true, box: { type: 'ftyp', start: 0, size: 32 } }],
    ['at an offset', '00000010 6d6f6f76', 100, 1000, { ok: true, box: { type: 'moov', start: 100, size: 16 } }],
    ['size 0: to end of file', '00000000 6d646174', 40, 1000, { ok: true, box: { type: 'mdat', start: 40, size: 960 } }],
    ['64-bit largesize past 4 GiB', '00000001 6d646174 0000000140000010', 32, 2 ** 34, { ok: true, box: { type: 'mdat', start: 32, size: 5 * 2 ** 30 + 16 } }],
    ['largesize above MAX_SAFE_INTEGER', '00000001 6d646174 ffffffffffffffff', 0, 2 ** 40, { ok: false, reason: 'too-large' }],
    ['largesize header cut short', '00000001 6d646174 0000', 0, 1000, { ok: false, reason: 'short-read' }],
    ['fewer than 8 bytes', '000000', 0, 1000, { ok: false, reason: 'short-read' }],
    ['size smaller than its header', '00000004 66726565', 0, 1000, { ok: false, reason: 'bad-size' }],
    ['box runs past EOF (truncated recording)', '00001000 6d646174', 0, 1000, { ok: false, reason: 'beyond-eof' }],
    ['binary type: not a box', '00000010 00ff0102', 0, 1000, { ok: false, reason: 'bad-type' }],
    ['Matroska EBML magic', '1a45dfa3 a3428681', 0, 1000, { ok: false, reason: 'bad-type' }],
  ])('%s', (_name, bytes, start, fileSize, expected) => {
    expect(parseBoxHeader(hex(bytes), start, fileSize)).toEqual(expected);
  });
});

const box = (type: string, start: number, size = 8): BoxHeader => ({ type, start, size });

describe('classifyLayout', () => {
  it.each<[string, BoxHeader[], { iso: boolean; faststart: boolean | undefined; fragmented: boolean }]>([
    ['ftyp moov mdat: faststart', [box('ftyp', 0), box('moov', 8), box('mdat', 16)], { iso: true, faststart: true, fragmented: false }],
    ['ftyp free mdat moov: moov at end', [box('ftyp', 0), box('free', 8), box('mdat', 16), box('moov', 24)], { iso: true, faststart: false, fragmented: false }],
    ['fragmented', [box('ftyp', 0), box('moov', 8), box('moof', 16)], { iso: true, faststart: true, fragmented: true }],
    ['moov without mdat (init segment)', [box('ftyp', 0), box('moov', 8)], { iso: true, faststart: true, fragmented: false }],
    ['no moov (truncated)', [box('ftyp', 0), box('mdat', 8)], { iso: true, faststart: undefined, fragmented: false }],
    ['not ISO (no ftyp first)', [box('wide', 0), box('mdat', 8), box('moov', 16)], { iso: false, faststart: false, fragmented: false }],
    ['nothing', [], { iso: false, faststart: undefined, fragmented: false }],
  ])('%s', (_name, boxes, expected) => {
    expect(classifyLayout(boxes)).toMatchObject(expected);
  });
});
