import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, ifRangeAllows } from '../../../server/http/conditional.js';
import type { ConditionalHeaders, PreconditionOutcome } from '../../../server/http/conditional.js';
import { formatHttpDate } from '../../../server/http/http-date.js';

const ETAG = '"9-abc"';
const LM = Date.UTC(2024, 0, 2, 3, 4, 5, 678); // Last-Modified, with sub-second part
const AT = formatHttpDate(LM); // Tue, 02 Jan 2024 03:04:05 GMT
const BEFORE = formatHttpDate(LM - 1000);
const AFTER = formatHttpDate(LM + 1000);
const NOW = LM + 60_000;

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  it.each<[string, string, ConditionalHeaders, PreconditionOutcome]>([
    ['no conditionals', 'GET', {}, 'proceed'],
    ['If-None-Match same tag', 'GET', { ifNoneMatch: ETAG }, 'not-modified'],
    ['If-None-Match weak form of the tag', 'GET', { ifNoneMatch: 'W/"9-abc"' }, 'not-modified'],
    ['If-None-Match in a list', 'HEAD', { ifNoneMatch: '"x", "9-abc"' }, 'not-modified'],
    ['If-None-Match *', 'GET', { ifNoneMatch: '*' }, 'not-modified'],
    ['If-None-Match other tag', 'GET', { ifNoneMatch: '"other"' }, 'proceed'],
    ['If-None-Match malformed', 'GET', { ifNoneMatch: 'abc' }, 'proceed'],
    ['If-None-Match on a non-GET', 'DELETE', { ifNoneMatch: ETAG }, 'precondition-failed'],
    ['If-Modified-Since equal', 'GET', { ifModifiedSince: AT }, 'not-modified'],
    ['If-Modified-Since later', 'GET', { ifModifiedSince: AFTER }, 'not-modified'],
    ['If-Modified-Since earlier', 'GET', { ifModifiedSince: BEFORE }, 'proceed'],
    ['If-Modified-Since invalid date ignored', 'GET', { ifModifiedSince: '2024-01-02' }, 'proceed'],
    ['If-Modified-Since ignored when If-None-Match present', 'GET', { ifNoneMatch: '"other"', ifModifiedSince: AT }, 'proceed'],
    ['If-Match same tag', 'GET', { ifMatch: ETAG }, 'proceed'],
    ['If-Match *', 'GET', { ifMatch: '*' }, 'proceed'],
    ['If-Match other tag', 'GET', { ifMatch: '"other"' }, 'precondition-failed'],
    ['If-Match weak tag never matches', 'GET', { ifMatch: 'W/"9-abc"' }, 'precondition-failed'],
    ['If-Match malformed', 'GET', { ifMatch: 'nope' }, 'precondition-failed'],
    ['If-Unmodified-Since earlier', 'GET', { ifUnmodifiedSince: BEFORE }, 'precondition-failed'],
    ['If-Unmodified-Since equal', 'GET', { ifUnmodifiedSince: AT }, 'proceed'],
    ['If-Unmodified-Since invalid ignored', 'GET', { ifUnmodifiedSince: 'yesterday' }, 'proceed'],
    ['If-Unmodified-Since ignored when If-Match present', 'GET', { ifMatch: ETAG, ifUnmodifiedSince: BEFORE }, 'proceed'],
    ['412 wins over 304', 'GET', { ifMatch: '"other"', ifNoneMatch: ETAG }, 'precondition-failed'],
  ])('%s', (_name, method, headers, expected) => {
    expect(evaluatePreconditions(method, headers, { etag: ETAG, lastModifiedMs: LM })).toBe(expected);
  });

  it('refuses a weak current ETag (a programming error)', () => {
    expect(() => evaluatePreconditions('GET', {}, { etag: 'W/"x"', lastModifiedMs: LM })).toThrow(TypeError);
  });
});

describe('ifRangeAllows (RFC 9110 §13.1.5)', () => {
  it.each<[string, string | undefined, number, boolean]>([
    ['absent', undefined, NOW, true],
    ['same strong tag', ETAG, NOW, true],
    ['same tag with spaces', `  ${ETAG} `, NOW, true],
    ['weak tag', 'W/"9-abc"', NOW, false],
    ['other tag', '"9-abd"', NOW, false],
    ['a tag list is not an If-Range', `${ETAG}, "x"`, NOW, false],
    ['date equal to Last-Modified', AT, NOW, true],
    ['date one second later', AFTER, NOW, false],
    ['date one second earlier', BEFORE, NOW, false],
    ['date equal but Last-Modified is within the current second (weak)', AT, LM + 200, false],
    ['garbage', 'whenever', NOW, false],
  ])('%s', (_name, value, now, expected) => {
    expect(ifRangeAllows(value, ETAG, LM, now)).toBe(expected);
  });
});
