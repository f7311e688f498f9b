import { describe, expect, it } from 'vitest';
import { CORS_EXPOSE_HEADERS, corsHeaders, preflightHeaders, validateCorsOrigins } from '../../../server/http/cors.js';

const A = 'https://a.example';

describe('corsHeaders', () => {
  it.each<[string | undefined, string[], Record<string, string>]>([
    [A, [], {}],
    [undefined, [], {}],
    [A, ['*'], { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS }],
    [undefined, ['*'], { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS }],
    [A, [A], { 'Access-Control-Allow-Origin': A, 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS, Vary: 'Origin' }],
    ['https://evil.example', [A], { Vary: 'Origin' }],
    [`${A}:443`, [A], { Vary: 'Origin' }], // exact comparison, as browsers serialize origins
    [undefined, [A], { Vary: 'Origin' }],
  ])('origin %s with allowlist %j', (origin, allow, expected) => {
    expect(corsHeaders(origin, allow)).toEqual(expected);
  });

  it('exposes the headers a range-reading player needs', () => {
    for (const h of ['Content-Range', 'Accept-Ranges', 'Content-Length', 'ETag']) expect(CORS_EXPOSE_HEADERS).toContain(h);
  });
});

describe('preflightHeaders', () => {
  it('allows Range and the conditional headers for a listed origin', () => {
    const h = preflightHeaders(A, [A]);
    expect(h['Access-Control-Allow-Origin']).toBe(A);
    expect(h['Access-Control-Allow-Methods']).toBe('GET, HEAD, OPTIONS');
    expect(h['Access-Control-Allow-Headers']).toContain('Range');
    expect(h['Access-Control-Allow-Headers']).toContain('If-Range');
    expect(h['Vary']).toBe('Origin');
  });
  it.each<[string | undefined, string[], Record<string, string>]>([
    ['https://evil.example', [A], { Vary: 'Origin' }],
    [A, [], {}],
    [undefined, ['*'], {}],
  ])('refuses origin %s with %j', (origin, allow, expected) => {
    expect(preflightHeaders(origin, allow)).toEqual(expected);
  });
  it('answers any origin with * for a wildcard allowlist', () => {
    expect(preflightHeaders(A, ['*'])['Access-Control-Allow-Origin']).toBe('*');
  });
});

describe('validateCorsOrigins', () => {
  it.each([[[]], [['*']], [[A, 'http://localhost:5173']], [['null']]])('accepts %j', (list) => {
    expect(() => validateCorsOrigins(list)).not.toThrow();
  });
  it.each([[['*', A]], [['a.example']], [[`${A}/`]], [[`${A}/path`]]])('refuses %j', (list) => {
    expect(() => validateCorsOrigins(list)).toThrow(TypeError);
  });
});
