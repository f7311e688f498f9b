import { describe, expect, it } from 'vitest';
import { coalesce, MAX_RANGES, parseRangeHeader } from '../../../server/http/range.js';
import type { RangeResult } from '../../../server/http/range.js';

/** The classic fixture: "123456789" is 9 bytes. */
const SIZE = 9;
const r = (...pairs: Array<[number, number]>): RangeResult => ({ kind: 'ranges', ranges: pairs.map(([start, end]) => ({ start, end })) });
const NONE: RangeResult = { kind: 'none' };
const UNSAT: RangeResult = { kind: 'unsatisfiable' };

describe('parseRangeHeader against a 9-byte file', () => {
  it.each<[string | undefined, RangeResult]>([
    [undefined, NONE],
    ['', NONE],
    ['bytes', NONE],
    ['bytes=', NONE],
    ['bytes=abc', NONE],
    ['bytes=x-100', NONE],
    ['bytes=5', NONE],
    ['bytes=--1', NONE],
    ['bytes=1-2-3', NONE],
    ['bytes=0-1,abc', NONE], // one bad element voids the header
    ['bytes=-', NONE],
    ['bytes=+1-2', NONE],
    ['bytes=0x1-2', NONE],
    ['bytes=1 -2', NONE],
    ['items=0-1', NONE],
    ['bytes 0-1', NONE],
    ['bytes=0-0', r([0, 0])],
    ['bytes=0-8', r([0, 8])],
    ['bytes=2-5', r([2, 5])],
    ['Bytes=2-5', r([2, 5])],
    ['bytes=0-100', r([0, 8])],
    ['bytes=3-', r([3, 8])],
    ['bytes=8-', r([8, 8])],
    ['bytes=-3', r([6, 8])],
    ['bytes=-9', r([0, 8])],
    ['bytes=-100', r([0, 8])],
    ['bytes=9-', UNSAT],
    ['bytes=9-10', UNSAT],
    ['bytes=-0', UNSAT],
    ['bytes=5-2', UNSAT],
    ['bytes=100-200,50-', UNSAT],
    ['bytes=9-,0-1', r([0, 1])], // unsatisfiable dropped, satisfiable kept
    ['bytes=5-2,1-2', r([1, 2])],
    ['bytes=0-1,3-4', r([0, 1], [3, 4])],
    ['bytes=0-1, 3-4', r([0, 1], [3, 4])],
    ['bytes=0-1,,3-4', r([0, 1], [3, 4])],
    ['bytes=0-1,2-3', r([0, 3])], // adjacent coalesced
    ['bytes=0-2,1-3', r([0, 3])], // overlapping coalesced
    ['bytes=5-6,0-1', r([5, 6], [0, 1])], // request order kept
    ['bytes=6-7,0-1,2-2', r([6, 7], [0, 2])],
    ['bytes=0-0,-1', r([0, 0], [8, 8])],
    ['bytes=0-3,0-3', r([0, 3])], // duplicates merge (8 of 9 bytes asked)
    ['bytes=0-5,0-5', { kind: 'whole', reason: 'too-large' }], // 12 bytes asked of 9
    ['bytes=0-,0-0', { kind: 'whole', reason: 'too-large' }],
    ['bytes=9007199254740992-', UNSAT], // past MAX_SAFE_INTEGER: never wrapped to a small offset
    ['bytes=99999999999999999999999-5', UNSAT],
    ['bytes=0-99999999999999999999999', r([0, 8])], // huge last-pos clamps to the file
    ['bytes=-99999999999999999999999', r([0, 8])],
  ])('%s', (header, expected) => {
    expect(parseRangeHeader(header, SIZE)).toEqual(expected);
  });

  it(`serves the whole file for more than ${MAX_RANGES} ranges`, () => {
    const many = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i % 9}-${i % 9}`).join(',');
    expect(parseRangeHeader(`bytes=${many}`, SIZE)).toEqual({ kind: 'whole', reason: 'too-many' });
    const ok = Array.from({ length: MAX_RANGES }, () => '0-0').join(',');
    expect(parseRangeHeader(`bytes=${ok}`, 100)).toEqual(r([0, 0]));
  });
});

describe('parseRangeHeader edge sizes', () => {
  it.each<[string, number, RangeResult]>([
    ['bytes=0-', 0, UNSAT],
    ['bytes=-5', 0, NONE], // satisfiable by §14.1.1 but no 206 can carry it: 200 empty
    ['bytes=-0', 0, UNSAT],
    ['bytes=5000000000-5000000009', 6 * 2 ** 30, r([5_000_000_000, 5_000_000_009])],
    ['bytes=-10', 5 * 2 ** 30, r([5 * 2 ** 30 - 10, 5 * 2 ** 30 - 1])],
    [`bytes=${Number.MAX_SAFE_INTEGER - 1}-`, Number.MAX_SAFE_INTEGER, r([Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER - 1])],
  ])('%s of %d bytes', (header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('rejects size %d', (size) => {
    expect(() => parseRangeHeader('bytes=0-1', size)).toThrow(TypeError);
  });
});

describe('coalesce', () => {
  it.each<[Array<[number, number]>, Array<[number, number]>]>([
    [[], []],
    [[[0, 1]], [[0, 1]]],
    [[[4, 5], [0, 1]], [[4, 5], [0, 1]]],
    [[[5, 6], [0, 1], [2, 3]], [[5, 6], [0, 3]]],
    [[[4, 5], [0, 1], [2, 3]], [[0, 5]]], // chain of adjacent ranges
    [[[3, 3], [0, 9], [5, 6]], [[0, 9]]],
  ])('%j → %j', (input, expected) => {
    const toR = (p: Array<[number, number]>) => p.map(([start, end]) => ({ start, end }));
    expect(coalesce(toR(input))).toEqual(toR(expected));
  });
});
