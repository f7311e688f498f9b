import { describe, expect, it } from 'vitest';
import { clampStart, formatStartTime, formatTParam, parseStartTime, startTimeFromUrl } from '../../web/src/pages/start-time.js';

describe('parseStartTime', () => {
  it.each([
    // seconds
    ['90', 90],
    ['0', 0],
    ['90.5', 90.5],
    [' 90 ', 90],
    ['007', 7],
    // units
    ['1m30s', 90],
    ['1m30', 90],
    ['1h2m3s', 3723],
    ['1h', 3600],
    ['2m', 120],
    ['45s', 45],
    ['1.5s', 1.5],
    ['1m90s', 150], // a unit may overflow, as video sites read it
    ['1H2M3S', 3723],
    ['1h30s', 3630],
    // clock
    ['1:30', 90],
    ['0:05', 5],
    ['1:02:03', 3723],
    ['1:02:03.5', 3723.5],
    ['90:00', 5400],
    // media fragments (temporal, NPT)
    ['npt:90', 90],
    ['npt:1:30', 90],
    ['10,20', 10],
    ['npt:10,20', 10],
    [',20', 0],
  ])('%j → %d s', (raw, sec) => {
    expect(parseStartTime(raw)).toBe(sec);
  });

  it.each([
    '', ' ', 'abc', '-5', '-1m', '1:75', '1:60:00', '1:2:3:4', 'Infinity', 'NaN', '1e3', '0x10', '90ss', 'h', 'm', 's',
    '1.5m', '1m 30s', '30s1m', '1,2,3', ',', ',x', 'npt:', '1:', ':30', '9'.repeat(40), '10;20', '+5',
  ])('%j → null', (raw) => {
    expect(parseStartTime(raw)).toBeNull();
  });
});

describe('startTimeFromUrl', () => {
  it.each([
    ['?t=90', '', { ok: true, sec: 90, raw: '90' }],
    ['?t=1m30s', '', { ok: true, sec: 90, raw: '1m30s' }],
    ['', '#t=90', { ok: true, sec: 90, raw: '90' }],
    ['', '#token=abc&t=1:30', { ok: true, sec: 90, raw: '1:30' }],
    ['?t=30', '#t=90', { ok: true, sec: 30, raw: '30' }], // the query wins
    ['?x=1&t=5', '', { ok: true, sec: 5, raw: '5' }],
    ['?t=soon', '', { ok: false, raw: 'soon' }],
    ['?t=', '', { ok: false, raw: '' }],
    ['', '#t=10,20', { ok: true, sec: 10, raw: '10,20' }],
    ['?channel=x', '#token=abc', null],
    ['', '', null],
  ])('search %j, hash %j → %j', (search, hash, expected) => {
    expect(startTimeFromUrl(search, hash)).toEqual(expected);
  });
});

describe('formatStartTime', () => {
  it.each([
    [0, '0:00'],
    [5, '0:05'],
    [90, '1:30'],
    [90.9, '1:30'], // whole seconds, down
    [600, '10:00'],
    [3723, '1:02:03'],
    [36000, '10:00:00'],
    [-3, '0:00'],
    [Number.NaN, '0:00'],
  ])('%d → %s', (sec, text) => {
    expect(formatStartTime(sec)).toBe(text);
  });
});

describe('formatTParam', () => {
  it.each([
    [90, '90'],
    [0, '0'],
    [90.5, '90.5'],
    [1.25, '1.25'],
    [1 / 3, '0.333'],
    [1e-7, '0'],
    [-4, '0'],
    [1e21, '1e+21'], // absurd, but still a number the parser refuses rather than a wrong one
  ])('%d → %s', (sec, text) => {
    expect(formatTParam(sec)).toBe(text);
  });

  it('round-trips through the parser at millisecond precision', () => {
    for (const sec of [0, 1, 59.999, 90.5, 3723.25]) expect(parseStartTime(formatTParam(sec))).toBeCloseTo(sec, 3);
  });
});

describe('clampStart', () => {
  it.each([
    [30, 60, 30],
    [0, 60, 0],
    [59.9, 60, 59.9],
    [60, 60, null], // at or past the end: the caller starts from 0
    [90, 60, null],
    [90, Number.NaN, 90], // duration unknown: trust the link
    [90, Number.POSITIVE_INFINITY, 90], // a stream without an end
    [90, 0, 90],
  ])('t %d in a %d s file → %s', (sec, duration, expected) => {
    expect(clampStart(sec, duration)).toBe(expected);
  });
});
