import { describe, expect, it } from 'vitest';
import { hashWithoutToken, tokenFromHash } from '../../web/src/pages/token.js';

describe('tokenFromHash', () => {
  it.each([
    ['', null],
    ['#', null],
    ['#token=', null],
    ['#token=abc', 'abc'],
    ['token=abc', 'abc'],
    ['#x=1&token=a%2Fb%3D', 'a/b='],
    ['#token=%20spaced%20', 'spaced'],
    ['#tokens=abc', null],
  ])('%j → %j', (hash, token) => expect(tokenFromHash(hash)).toBe(token));
});

describe('hashWithoutToken', () => {
  it.each([
    ['#token=abc', ''],
    ['', ''],
    ['#x=1&token=abc', '#x=1'],
    ['#token=abc&y=2', '#y=2'],
  ])('%j → %j', (hash, rest) => expect(hashWithoutToken(hash)).toBe(rest));
});
