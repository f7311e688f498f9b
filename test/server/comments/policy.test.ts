import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT_DEFAULT, COMMENT_LIMIT_MAX, WINDOW_MAX_SEC, commentPosition, parseCommentQuery } from '../../../server/comments/policy.js';

const parse = (search: string) => parseCommentQuery(new URLSearchParams(search));

describe('parseCommentQuery', () => {
  it.each([
    ['a window', 'from=10&to=40', { kind: 'window', from: 10, to: 40, limit: COMMENT_LIMIT_DEFAULT }],
    ['decimals and a limit', 'from=1.5&to=2.25&limit=7', { kind: 'window', from: 1.5, to: 2.25, limit: 7 }],
    ['an empty window is fine', 'from=3&to=3', { kind: 'window', from: 3, to: 3, limit: COMMENT_LIMIT_DEFAULT }],
    ['the widest window', `from=0&to=${WINDOW_MAX_SEC}`, { kind: 'window', from: 0, to: WINDOW_MAX_SEC, limit: COMMENT_LIMIT_DEFAULT }],
    ['exponent notation', 'from=1e1&to=2e1', { kind: 'window', from: 10, to: 20, limit: COMMENT_LIMIT_DEFAULT }],
    ['neither bound: the newest', '', { kind: 'recent', limit: COMMENT_LIMIT_DEFAULT }],
    ['the newest, limited', `limit=${COMMENT_LIMIT_MAX}`, { kind: 'recent', limit: COMMENT_LIMIT_MAX }],
    ['other parameters are ignored', 'from=1&to=2&_=123', { kind: 'window', from: 1, to: 2, limit: COMMENT_LIMIT_DEFAULT }],
  ])('%s: ?%s', (_name, search, query) => {
    expect(parse(search)).toEqual({ ok: true, query });
  });

  it.each([
    ['from after to', 'from=5&to=4', /after/],
    ['a window too wide', `from=0&to=${WINDOW_MAX_SEC + 0.001}`, /at most 600/],
    ['only from', 'from=1', /both/],
    ['only to', 'to=1', /both/],
    ['negative from', 'from=-1&to=5', /≥ 0/],
    ['not a number', 'from=abc&to=5', /finite/],
    ['empty value', 'from=&to=5', /finite/],
    ['Infinity', 'from=0&to=Infinity', /finite/],
    ['NaN', 'from=NaN&to=1', /finite/],
    ['hex', 'from=0x10&to=20', /finite/],
    ['blanks', 'from=%201&to=2', /finite/],
    ['huge exponent', 'from=0&to=1e400', /finite/],
    ['given twice', 'from=1&from=2&to=3', /more than once/],
    ['limit zero', 'from=0&to=1&limit=0', /limit/],
    ['limit fractional', 'limit=2.5', /limit/],
    ['limit too large', `limit=${COMMENT_LIMIT_MAX + 1}`, /limit/],
  ])('refuses %s: ?%s', (_name, search, why) => {
    const v = parse(search);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.code).toBe('COMMENT_BAD_WINDOW');
      expect(v.message).toMatch(why);
    }
  });
});

describe('commentPosition', () => {
  it.each([
    ['a live channel', null, null],
    ['a file position', { position: 12.3456789 }, 12.346],
    ['the start', { position: 0 }, 0],
    ['not a number', { position: Number.NaN }, null],
    ['negative', { position: -1 }, null],
  ])('%s', (_name, resume, at) => {
    expect(commentPosition(resume)).toBe(at);
  });
});
