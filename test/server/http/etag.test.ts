import { describe, expect, it } from 'vitest';
import { makeStrongEtag, parseEntityTag, parseEntityTagList, strongMatch, weakMatch } from '../../../server/http/etag.js';
import type { EntityTag } from '../../../server/http/etag.js';

const base = { dev: 1, ino: 2, size: 9, mtimeMs: 1_700_000_000_000.25, ctimeMs: 1_700_000_000_000.25 };

describe('makeStrongEtag', () => {
  it('is a strong, quoted, parseable tag and stable for the same metadata', () => {
    const tag = makeStrongEtag(base);
    expect(tag).toMatch(/^"[0-9a-f]+-[A-Za-z0-9_-]{22}"$/);
    expect(parseEntityTag(tag)).toEqual({ weak: false, opaque: tag.slice(1, -1) });
    expect(makeStrongEtag({ ...base })).toBe(tag);
  });

  it.each([
    ['size', { size: 10 }],
    ['mtime (sub-ms)', { mtimeMs: base.mtimeMs + 0.001 }],
    ['ctime (mtime restored after a rewrite)', { ctimeMs: base.ctimeMs + 5 }],
    ['inode (file replaced)', { ino: 3 }],
    ['device', { dev: 9 }],
  ])('changes with %s', (_name, change) => {
    expect(makeStrongEtag({ ...base, ...change })).not.toBe(makeStrongEtag(base));
  });
});

describe('parseEntityTag', () => {
  it.each<[string, EntityTag | undefined]>([
    ['"abc"', { weak: false, opaque: 'abc' }],
    ['W/"abc"', { weak: true, opaque: 'abc' }],
    ['""', { weak: false, opaque: '' }],
    [' "a" ', { weak: false, opaque: 'a' }],
    ['abc', undefined],
    ['"abc', undefined],
    ['w/"abc"', undefined], // W/ is case-sensitive
    ['"a"b"', undefined],
    ['"a b"', undefined], // SP is not an etagc
    ['"a", "b"', undefined],
  ])('%s', (value, expected) => {
    expect(parseEntityTag(value)).toEqual(expected);
  });
});

describe('parseEntityTagList', () => {
  it.each<[string, ReturnType<typeof parseEntityTagList>]>([
    ['*', '*'],
    [' * ', '*'],
    ['"a"', [{ weak: false, opaque: 'a' }]],
    ['"a", W/"b"', [{ weak: false, opaque: 'a' }, { weak: true, opaque: 'b' }]],
    ['"a",,"b",', [{ weak: false, opaque: 'a' }, { weak: false, opaque: 'b' }]],
    ['"a" "b"', undefined],
    ['"a", b', undefined],
    ['', undefined],
    [' , ', undefined],
  ])('%s', (value, expected) => {
    expect(parseEntityTagList(value)).toEqual(expected);
  });
});

describe('comparison (§8.8.3.2)', () => {
  const s = (opaque: string): EntityTag => ({ weak: false, opaque });
  const w = (opaque: string): EntityTag => ({ weak: true, opaque });
  it.each<[EntityTag, EntityTag, boolean, boolean]>([
    [w('1'), w('1'), false, true],
    [w('1'), w('2'), false, false],
    [w('1'), s('1'), false, true],
    [s('1'), s('1'), true, true],
  ])('%j vs %j', (a, b, strong, weak) => {
    expect(strongMatch(a, b)).toBe(strong);
    expect(weakMatch(a, b)).toBe(weak);
  });
});
