/** The validator's rows for the comment messages (protocol-validate.ts): types only, rules come later. */
import { describe, expect, it } from 'vitest';
import { parseClientMessage, readCommentFields } from '../../../server/core/protocol-validate.js';

describe('parseClientMessage: comments', () => {
  it.each([
    ['a comment', { type: 'comment', text: 'hi' }, { type: 'comment', text: 'hi' }],
    ['with a name and an id', { type: 'comment', id: 'c1', text: 'hi', name: 'Ana' }, { type: 'comment', id: 'c1', text: 'hi', name: 'Ana' }],
    ['empty text passes here (COMMENT_EMPTY later)', { type: 'comment', text: '' }, { type: 'comment', text: '' }],
    ['a deletion', { type: 'delete-comment', id: 7, comment: 12 }, { type: 'delete-comment', id: 7, comment: 12 }],
  ])('accepts %s', (_name, input, message) => {
    expect(parseClientMessage(JSON.stringify(input))).toEqual({ ok: true, message });
  });

  it.each([
    ['no text', { type: 'comment' }],
    ['text not a string', { type: 'comment', text: 5 }],
    ['name not a string', { type: 'comment', text: 'x', name: null }],
    ['an unknown field', { type: 'comment', text: 'x', html: '<b>' }],
    ['text over the raw bound', { type: 'comment', text: 'x'.repeat(2049) }],
    ['no comment id', { type: 'delete-comment' }],
    ['comment id zero', { type: 'delete-comment', comment: 0 }],
    ['comment id fractional', { type: 'delete-comment', comment: 1.5 }],
    ['comment id a string', { type: 'delete-comment', comment: '3' }],
    ['unknown field on delete', { type: 'delete-comment', comment: 3, channel: 'x' }],
  ])('refuses %s with BAD_MESSAGE', (_name, input) => {
    const r = parseClientMessage(JSON.stringify(input));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('BAD_MESSAGE');
  });

  it('readCommentFields reads an HTTP body the same way', () => {
    expect(readCommentFields({ text: 'a', name: 'b' })).toEqual({ text: 'a', name: 'b' });
    expect(readCommentFields({ text: 'a' })).toEqual({ text: 'a' });
    expect(readCommentFields({ text: 'a', type: 'comment' })).toMatch(/unknown field "type"/);
    expect(readCommentFields({})).toMatch(/"text"/);
  });
});
