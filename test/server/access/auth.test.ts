import { describe, expect, it } from 'vitest';
import { bearerToken, generateToken, roleFor, tokenMatches } from '../../../server/access/auth.js';
import { RateLimiter } from '../../../server/access/rate-limit.js';

describe('tokens', () => {
  it.each([
    ['s3cret', 's3cret', true],
    ['s3cret', 's3creT', false],
    ['s3cre', 's3cret', false],
    ['', 's3cret', false],
    [null, 's3cret', false],
    [undefined, 's3cret', false],
    ['x'.repeat(2000), 'x'.repeat(2000), false],
  ])('tokenMatches(%j, %j) = %s', (given, expected, ok) => {
    expect(tokenMatches(given, expected)).toBe(ok);
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer   abc  ', 'abc'],
    ['Basic abc', null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('bearerToken(%j) = %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it('generates distinct URL-safe tokens and maps them to roles', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(generateToken()).not.toBe(a);
    expect(roleFor(a, a)).toBe('controller');
    expect(roleFor('nope', a)).toBe('viewer');
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then refills at the given rate', () => {
    const r = new RateLimiter(3, 2, 0);
    expect([r.take(0), r.take(0), r.take(0), r.take(0)]).toEqual([true, true, true, false]);
    expect(r.take(400)).toBe(false); // 0.8 token
    expect(r.take(500)).toBe(true); // 1 token after 0.5 s at 2/s
    expect(r.take(10_000)).toBe(true);
    expect([r.take(10_000), r.take(10_000), r.take(10_000)]).toEqual([true, true, false]); // capped at burst
  });

  it('does not refill from a clock that goes backwards', () => {
    const r = new RateLimiter(1, 1, 1_000);
    expect(r.take(1_000)).toBe(true);
    expect(r.take(0)).toBe(false);
    expect(r.take(1_500)).toBe(false);
    expect(r.take(2_000)).toBe(true);
  });

  it('rejects illegal settings', () => {
    expect(() => new RateLimiter(0, 1, 0)).toThrow(TypeError);
    expect(() => new RateLimiter(1, 0, 0)).toThrow(TypeError);
  });
});
