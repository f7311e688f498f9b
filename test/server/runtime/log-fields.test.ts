/**
 * server/log-fields.ts: any value a call site passes comes out plain, bounded and masked.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, boundedMask, safeFields } from '../../../server/runtime/log-fields.js';

const NONE = new Set<string>();

describe('safeFields', () => {
  class Custom {
    a = 1;
    get b(): number {
      return 2; // on the prototype: not an own key, not written
    }
  }
  const err = Object.assign(new TypeError('bad http://u:pw1234@h/'), { code: 'ERR_X', exitCode: 1 });

  it.each<[string, unknown, unknown]>([
    ['string', 's', 's'],
    ['masked string', 'rtmp://h/app?key=abcdef', 'rtmp://h/app?key=***'],
    ['integer', 42, 42],
    ['float', 0.25, 0.25],
    ['NaN', Number.NaN, 'NaN'],
    ['-Infinity', -Infinity, '-Infinity'],
    ['boolean', false, false],
    ['null', null, null],
    ['BigInt', 2n ** 70n, '1180591620717411303424'],
    ['symbol', Symbol('tag'), 'Symbol(tag)'],
    ['function', function named() {}, '[function named]'],
    ['Buffer', Buffer.from('secret media'), '[Buffer 12 bytes]'],
    ['Uint8Array', new Uint8Array(3), '[Uint8Array 3 bytes]'],
    ['ArrayBuffer', new ArrayBuffer(5), '[ArrayBuffer 5 bytes]'],
    ['Date', new Date(0), '1970-01-01T00:00:00.000Z'],
    ['invalid Date', new Date(Number.NaN), 'Invalid Date'],
    ['URL with password', new URL('rtsp://cam:pw1234@10.0.0.1/s'), 'rtsp://***@10.0.0.1/s'],
    ['array with undefined', [1, undefined], [1, null]],
    ['Set', new Set(['a', 'b']), ['a', 'b']],
    ['Map', new Map<unknown, unknown>([['k', 'v'], [1, 'token=abcd1234']]), { k: 'v', 1: 'token=***' }],
    ['class instance', new Custom(), { a: 1 }],
  ])('%s', (_name, value, expected) => {
    expect(safeFields({ v: value }, NONE)).toEqual({ v: expected });
  });

  it('an Error keeps type, masked message and stack, own fields and its cause chain', () => {
    const wrapped = new Error('outer', { cause: err });
    const out = safeFields({ wrapped }, NONE) as { wrapped: Record<string, unknown> };
    expect(out.wrapped).toMatchObject({ type: 'Error', message: 'outer' });
    expect(out.wrapped['stack']).toMatch(/^Error: outer\n\s+at /);
    const cause = out.wrapped['cause'] as Record<string, unknown>;
    expect(cause).toMatchObject({ type: 'TypeError', message: 'bad http://***@h/', code: 'ERR_X', exitCode: 1 });
    expect(String(cause['stack'])).toMatch(/^TypeError: bad http:\/\/\*\*\*@h\/\n/);
    expect(JSON.stringify(out)).not.toContain('pw1234');
  });

  it('cuts a cycle but writes an object shared by two fields twice', () => {
    const shared = { x: 1 };
    const cyclic: Record<string, unknown> = { shared };
    cyclic['me'] = cyclic;
    expect(safeFields({ a: shared, b: shared, c: cyclic }, NONE)).toEqual({ a: { x: 1 }, b: { x: 1 }, c: { shared: { x: 1 }, me: '[circular]' } });
  });

  it('bounds depth, width and node count', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(JSON.stringify(safeFields({ deep }, NONE))).toContain('[too deep]');

    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const w = safeFields({ wide }, NONE) as { wide: Record<string, unknown> };
    expect(Object.keys(w.wide)).toHaveLength(LIMITS.width + 1);
    expect(w.wide['…']).toBe('more keys');

    const grid = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => 1));
    expect(JSON.stringify(safeFields({ grid }, NONE))).toContain('[too many values]');
  });

  it('renames reserved keys and keeps `__proto__` as a plain key', () => {
    const input = JSON.parse('{"level":"x","__proto__":{"polluted":true},"ok":1}') as Record<string, unknown>;
    const out = safeFields(input, new Set(['level']));
    expect(out).toEqual(Object.fromEntries([['_level', 'x'], ['__proto__', { polluted: true }], ['ok', 1]]));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each<[string, unknown, Record<string, unknown>]>([
    ['undefined', undefined, {}],
    ['null', null, {}],
    ['a string', 'text', { fields: 'text' }],
    ['an array', [1], { fields: [1] }],
  ])('fields that are %s', (_name, value, expected) => {
    expect(safeFields(value, NONE)).toEqual(expected);
  });
});

describe('boundedMask', () => {
  it('masks before cutting, so a password that straddles the cut is not half-kept', () => {
    const pad = 'x'.repeat(LIMITS.string - 10);
    const out = boundedMask(`${pad} http://admin:S3cretPW@host/x`);
    expect(out).not.toContain('S3cr');
    expect(out.length).toBeLessThanOrEqual(LIMITS.string + 30);
    expect(out).toMatch(/…\[\d+ chars\]$/);
  });

  it('a short string is returned unchanged', () => {
    expect(boundedMask('hello')).toBe('hello');
  });

  it('a 1 MB string costs little (only a bounded slice is masked)', () => {
    const big = 'a'.repeat(1_000_000);
    const started = performance.now();
    const out = boundedMask(big);
    // The mask regexes see LIMITS.string + 1 KiB at most; a loaded 2-core machine still does it in well under 1 s.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(out.startsWith('a'.repeat(LIMITS.string))).toBe(true);
    expect(out.endsWith('…[1000000 chars]')).toBe(true);
  });
});
