import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, ErrorCode, errorBody, httpStatusOf, isErrorCode, readErrorBody } from '../../../server/core/errors.js';
import { PlayerErrorCode } from '../../../web/src/player/errors.js';

const README = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');

/** The README's error table: rows `| \`CODE\` | 400 / 413 | meaning |` under the `| code | HTTP | meaning |` header. */
function readmeTable(): Map<string, number[]> {
  const start = README.indexOf('| code | HTTP | meaning |');
  expect(start).toBeGreaterThan(-1);
  const rows = new Map<string, number[]>();
  for (const line of README.slice(start).split('\n').slice(2)) {
    const m = /^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/.exec(line);
    if (!m) break;
    const statuses = m[2]!.trim() === '—' ? [] : m[2]!.split('/').map((x) => Number(x.trim()));
    expect(rows.has(m[1]!), `${m[1]} twice in the README`).toBe(false);
    rows.set(m[1]!, statuses);
  }
  return rows;
}

describe('the error registry', () => {
  it('the README lists exactly its codes, with the same HTTP statuses', () => {
    const fromRegistry = new Map(Object.entries(ERRORS).map(([code, spec]) => {
      const s = spec as { status: number | null; alsoStatus?: readonly number[] };
      return [code, s.status === null ? [] : [s.status, ...(s.alsoStatus ?? [])]];
    }));
    expect(Object.fromEntries(readmeTable())).toEqual(Object.fromEntries(fromRegistry));
  });

  it('ErrorCode names every code as itself', () => {
    expect(Object.keys(ErrorCode).sort()).toEqual(Object.keys(ERRORS).sort());
    for (const [k, v] of Object.entries(ErrorCode)) expect(v).toBe(k);
  });

  it.each([
    ['BAD_MESSAGE', 400], ['FORBIDDEN', 401], ['UNKNOWN_CHANNEL', 404], ['NOT_SEEKABLE', 409],
    ['RATE_LIMITED', 429], ['VOD_PREPARING', 202], ['SHUTTING_DOWN', 503], ['CHANNEL_FULL', null],
  ] as const)('httpStatusOf(%s) = %s', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('every meaning is one line', () => {
    for (const spec of Object.values(ERRORS)) expect(spec.meaning).toMatch(/^[^\n]{5,}$/);
  });

  it('isErrorCode accepts registry codes only', () => {
    expect(isErrorCode('BAD_SEEK')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('NO_MSE')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });

  it('player-side codes never reuse a registry code', () => {
    expect(Object.values(PlayerErrorCode).filter((c) => isErrorCode(c))).toEqual([]);
  });
});

describe('errorBody / readErrorBody', () => {
  it('round-trips code, message and details', () => {
    const body = errorBody('VOD_PREPARING', 'being prepared', { variant: 'remux' });
    expect(body).toEqual({ error: { code: 'VOD_PREPARING', message: 'being prepared', variant: 'remux' } });
    expect(readErrorBody(JSON.parse(JSON.stringify(body)))).toEqual({ code: 'VOD_PREPARING', message: 'being prepared', details: { variant: 'remux' } });
  });

  it('details cannot overwrite code or message', () => {
    expect(errorBody('NOT_FOUND', 'no such file', { code: 'X', message: 'Y' })).toEqual({ error: { code: 'NOT_FOUND', message: 'no such file' } });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'oops'],
    ['the old flat 202 shape', { code: 'VOD_PREPARING', message: 'being prepared', variant: 'remux' }],
    ['error not an object', { error: 'NOT_FOUND' }],
    ['code missing', { error: { message: 'm' } }],
    ['message not a string', { error: { code: 'NOT_FOUND', message: 3 } }],
  ])('null for %s', (_name, json) => {
    expect(readErrorBody(json)).toBeNull();
  });
});
