import { describe, expect, it } from 'vitest';
import { formatHttpDate, parseHttpDate, toHttpSeconds } from '../../../server/http/http-date.js';

const T = Date.UTC(1994, 10, 6, 8, 49, 37);
const NOW = Date.UTC(2024, 5, 1);

describe('parseHttpDate (RFC 9110 §5.6.7)', () => {
  it.each<[string | undefined, number | undefined]>([
    ['Sun, 06 Nov 1994 08:49:37 GMT', T],
    ['Sunday, 06-Nov-94 08:49:37 GMT', T],
    ['Sun Nov  6 08:49:37 1994', T],
    ['  Sun, 06 Nov 1994 08:49:37 GMT  ', T],
    ['Sun, 06 Nov 1994 08:49:37 UTC', undefined],
    ['Sun, 6 Nov 1994 08:49:37 GMT', undefined],
    ['Sun, 31 Feb 1994 08:49:37 GMT', undefined],
    ['Sun, 06 Nov 1994 24:00:00 GMT', undefined],
    ['1994-11-06T08:49:37Z', undefined],
    ['Xyz, 06 Nov 1994 08:49:37 GMT', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s', (value, expected) => {
    expect(parseHttpDate(value, NOW)).toBe(expected);
  });

  it('reads a two-digit year as the most recent past year within 50 years', () => {
    expect(parseHttpDate('Monday, 01-Jan-70 00:00:00 GMT', NOW)).toBe(Date.UTC(2070, 0, 1)); // ≤ 50 y ahead
    expect(parseHttpDate('Monday, 01-Jan-80 00:00:00 GMT', NOW)).toBe(Date.UTC(1980, 0, 1)); // > 50 y ahead
  });
});

describe('formatHttpDate', () => {
  it.each<[number, string]>([
    [T, 'Sun, 06 Nov 1994 08:49:37 GMT'],
    [T + 999, 'Sun, 06 Nov 1994 08:49:37 GMT'], // seconds resolution
    [0, 'Thu, 01 Jan 1970 00:00:00 GMT'],
  ])('%d', (ms, expected) => {
    expect(formatHttpDate(ms)).toBe(expected);
    expect(parseHttpDate(formatHttpDate(ms))).toBe(toHttpSeconds(ms) * 1000);
  });
});
