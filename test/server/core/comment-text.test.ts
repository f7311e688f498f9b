import { describe, expect, it } from 'vitest';
import { COMMENT_MAX_CHARS, DEFAULT_NAME, NAME_MAX_CHARS, checkCommentText, checkDisplayName, codePointLength } from '../../../server/core/comment-text.js';

const verdict = (v: ReturnType<typeof checkCommentText>): string => (v.ok ? `ok:${v.value}` : v.code);

describe('checkCommentText', () => {
  it.each([
    ['plain text', 'hello', 'ok:hello'],
    ['trimmed both sides', '  hi there \n', 'ok:hi there'],
    ['empty', '', 'COMMENT_EMPTY'],
    ['blanks only', ' \t\n  ', 'COMMENT_EMPTY'],
    ['full-width space only', '\u3000', 'COMMENT_EMPTY'],
    ['exactly 200 ASCII', 'a'.repeat(200), `ok:${'a'.repeat(200)}`],
    ['201 ASCII', 'a'.repeat(201), 'COMMENT_TOO_LONG'],
    ['200 emoji (400 UTF-16 units) fit', '😀'.repeat(200), `ok:${'😀'.repeat(200)}`],
    ['201 emoji', '😀'.repeat(201), 'COMMENT_TOO_LONG'],
    ['blanks around do not count', `  ${'b'.repeat(200)}  `, `ok:${'b'.repeat(200)}`],
    ['a newline inside', 'two\nlines', 'COMMENT_INVALID'],
    ['a tab inside', 'a\tb', 'COMMENT_INVALID'],
    ['NUL', 'a\u0000b', 'COMMENT_INVALID'],
    ['DEL', 'a\u007Fb', 'COMMENT_INVALID'],
    ['C1 control', 'a\u0085b', 'COMMENT_INVALID'],
    ['line separator', 'a\u2028b', 'COMMENT_INVALID'],
    ['right-to-left override', 'abc\u202Edef', 'COMMENT_INVALID'],
    ['first-strong isolate', '\u2068abc', 'COMMENT_INVALID'],
    ['lone high surrogate', 'a\uD800b', 'COMMENT_INVALID'],
    ['lone low surrogate', 'a\uDC00', 'COMMENT_INVALID'],
    ['markup stays text', '<img src=x onerror=alert(1)>', 'ok:<img src=x onerror=alert(1)>'],
    ['Arabic with a right-to-left mark', 'مرحبا\u200F', 'ok:مرحبا\u200F'],
    // found by the outside attack on issue 11: invisible and stacking characters
    ['a zero-width space inside', 'Ad\u200Bmin', 'COMMENT_INVALID'],
    ['a word joiner', 'a\u2060b', 'COMMENT_INVALID'],
    ['a byte-order mark inside', 'h\uFEFFi', 'COMMENT_INVALID'],
    ['tag characters', 'hi\u{E0041}\u{E0042}', 'COMMENT_INVALID'],
    ['an interlinear annotation', 'a\uFFF9b', 'COMMENT_INVALID'],
    ['five combining marks on a letter', 'q\u0301\u0302\u0303\u0304\u0305', 'COMMENT_INVALID'],
    ['Hangul filler only', '\u3164\u3164', 'COMMENT_EMPTY'],
    ['Braille blank only', '\u2800', 'COMMENT_EMPTY'],
    ['combining marks only', '\u0301\u0302', 'COMMENT_EMPTY'],
    ['an emoji family (zero-width joiners)', '👨\u200D👩\u200D👧', 'ok:👨\u200D👩\u200D👧'],
    ['a keycap (two marks)', '1\uFE0F\u20E3', 'ok:1\uFE0F\u20E3'],
    ['Persian with a zero-width non-joiner', 'می\u200Cخواهم', 'ok:می\u200Cخواهم'],
    ['Vietnamese', 'Tiếng Việt', 'ok:Tiếng Việt'],
  ])('%s', (_name, input, expected) => {
    expect(verdict(checkCommentText(input))).toBe(expected);
  });

  it('normalises to NFC before counting and storing', () => {
    const decomposed = 'e\u0301'.repeat(200); // 400 code points, 200 once composed
    const v = checkCommentText(decomposed);
    expect(v.ok && v.value).toBe('\u00E9'.repeat(200));
    expect(COMMENT_MAX_CHARS).toBe(200);
  });
});

describe('checkDisplayName', () => {
  it.each([
    ['absent', undefined, `ok:${DEFAULT_NAME}`],
    ['empty', '', `ok:${DEFAULT_NAME}`],
    ['blanks', '   ', `ok:${DEFAULT_NAME}`],
    ['trimmed', '  Ana ', 'ok:Ana'],
    ['32 characters', 'n'.repeat(32), `ok:${'n'.repeat(32)}`],
    ['33 characters', 'n'.repeat(33), 'NAME_INVALID'],
    ['emoji count once', '🎬'.repeat(32), `ok:${'🎬'.repeat(32)}`],
    ['newline', 'a\nb', 'NAME_INVALID'],
    ['bidi override', '\u202Enimda', 'NAME_INVALID'],
  ])('%s', (_name, input, expected) => {
    expect(verdict(checkDisplayName(input))).toBe(expected);
    expect(NAME_MAX_CHARS).toBe(32);
  });
});

describe('codePointLength', () => {
  it.each([['', 0], ['abc', 3], ['😀', 1], ['a😀b', 3], ['\uD800', 1]])('%j → %i', (s, n) => {
    expect(codePointLength(s)).toBe(n);
  });
});
