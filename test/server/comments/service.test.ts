/**
 * The comment service with a real in-memory database and fake channels / viewers: stamping with the
 * channel's position (file) or null (live), the refusals and their codes, the broadcasts, and a
 * failing database answering INTERNAL instead of throwing.
 */
import { describe, expect, it } from 'vitest';
import { CommentService, type CommentChannel } from '../../../server/comments/comments.js';
import type { ServerMessage } from '../../../server/core/protocol.js';
import { createLogger } from '../../../server/runtime/log.js';
import { CommentStore } from '../../../server/store/comments.js';
import { openDatabase } from '../../../server/store/database.js';

function setup(store = new CommentStore(openDatabase({ dataDir: ':memory:' }))) {
  let position = 42.1234;
  const channels: Record<string, CommentChannel> = {
    movie: { id: 'movie', resumePoint: () => ({ position }) },
    live: { id: 'live', resumePoint: () => null },
  };
  const inbox: Record<string, ServerMessage[]> = { a: [], b: [], other: [] };
  const watching: Record<string, string> = { a: 'movie', b: 'movie', other: 'live' };
  const service = new CommentService({
    store,
    findChannel: (id) => channels[id],
    viewersOf: (ch) => Object.keys(inbox).filter((v) => watching[v] === ch).map((v) => ({ push: (m: ServerMessage) => inbox[v]!.push(m) })),
    log: createLogger('test', { destination: { write: () => {} } }),
    now: () => 1_700_000_000_000,
  });
  return { service, inbox, setPosition: (p: number) => { position = p; } };
}

describe('CommentService', () => {
  it('stamps a file channel comment with its position and tells every viewer of that channel only', () => {
    const { service, inbox } = setup();
    const r = service.post('movie', { text: '  nice shot ', name: 'Ana' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ channel: 'movie', at: 42.123, time: 1_700_000_000_000, name: 'Ana', text: 'nice shot' });
    const expected = { type: 'comment', ...r.value };
    expect(inbox['a']).toEqual([expected]);
    expect(inbox['b']).toEqual([expected]);
    expect(inbox['other']).toEqual([]);
  });

  it('gives live channel comments no position, and lists them as the newest', () => {
    const { service } = setup();
    const r = service.post('live', { text: 'hello' });
    expect(r.ok && r.value.at).toBeNull();
    expect(r.ok && r.value.name).toBe('viewer');
    const listed = service.list('live', { kind: 'recent', limit: 10 });
    expect(listed.ok && listed.value.map((c) => c.text)).toEqual(['hello']);
    // …and no position window finds them.
    const window = service.list('live', { kind: 'window', from: 0, to: 600, limit: 10 });
    expect(window.ok && window.value).toEqual([]);
  });

  it('lists a window by position', () => {
    const { service, setPosition } = setup();
    for (const [p, text] of [[5, 'five'], [50, 'fifty'], [7, 'seven']] as const) {
      setPosition(p);
      service.post('movie', { text });
    }
    const r = service.list('movie', { kind: 'window', from: 0, to: 10, limit: 10 });
    expect(r.ok && r.value.map((c) => c.text)).toEqual(['five', 'seven']);
  });

  it.each([
    ['an unknown channel', 'nope', { text: 'x' }, 'UNKNOWN_CHANNEL'],
    ['empty text', 'movie', { text: '   ' }, 'COMMENT_EMPTY'],
    ['too long', 'movie', { text: 'x'.repeat(201) }, 'COMMENT_TOO_LONG'],
    ['a control character', 'movie', { text: 'a\u0007b' }, 'COMMENT_INVALID'],
    ['a bad name', 'movie', { text: 'fine', name: 'x'.repeat(40) }, 'NAME_INVALID'],
  ])('refuses %s, storing and sending nothing', (_name, channel, fields, code) => {
    const { service, inbox } = setup();
    const r = service.post(channel, fields);
    expect(r.ok ? 'ok' : r.code).toBe(code);
    expect(inbox['a']).toEqual([]);
    const listed = service.list('movie', { kind: 'recent', limit: 10 });
    expect(listed.ok && listed.value).toEqual([]);
  });

  it('deletes a comment and tells the viewers of its channel; a second delete is COMMENT_NOT_FOUND', () => {
    const { service, inbox } = setup();
    const posted = service.post('movie', { text: 'oops' });
    if (!posted.ok) throw new Error('not posted');
    expect(service.remove(posted.value.id, 'live')).toMatchObject({ ok: false, code: 'COMMENT_NOT_FOUND' });
    expect(service.remove(posted.value.id, 'movie').ok).toBe(true);
    expect(inbox['a']?.at(-1)).toEqual({ type: 'comment-deleted', id: posted.value.id, channel: 'movie' });
    expect(inbox['other']).toEqual([]);
    expect(service.remove(posted.value.id)).toMatchObject({ ok: false, code: 'COMMENT_NOT_FOUND' });
  });

  it('answers INTERNAL when the database fails, instead of throwing', () => {
    const db = openDatabase({ dataDir: ':memory:' });
    const { service, inbox } = setup(new CommentStore(db));
    db.close();
    expect(service.post('movie', { text: 'x' })).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(service.list('movie', { kind: 'recent', limit: 1 })).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(service.remove(1)).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(inbox['a']).toEqual([]);
  });
});
