/**
 * Comments over the WebSocket on the real server: a comment from one viewer reaches every viewer of
 * the channel (and no one else) stamped with the channel's position; each refusal has its code and
 * echoes the message id; the per-connection budget; deletion by a controller only, seen by all;
 * HTTP posts and deletes reach WebSocket viewers too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommentInfo, ServerMessage } from '../../../server/core/protocol.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { TestClient, type Received, type TestServer } from '../../helpers/server.js';
import { TOKEN, call, freshAddress, makeMedia, pauseAt, startServer } from './fixture.js';

const ffmpeg = await findTestFfmpeg();
const CODECS = ['avc1.64001f', 'avc1.42e01e', 'mp4a.40.2'];

type Text<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
const isText = <T extends ServerMessage['type']>(type: T, match: (m: Text<T>) => boolean = () => true) =>
  (r: Received): boolean => r.kind === 'text' && r.msg.type === type && match(r.msg as Text<T>);

describe.skipIf(!ffmpeg)('comments over the WebSocket', () => {
  let media: { dir: string; remove(): void };
  let server: TestServer;
  const clients: TestClient[] = [];

  /** A connected client that said hello (with the token when `controller`) and joined `channel` (unless null). */
  async function viewer(channel: string | null = 'clip', controller = false): Promise<TestClient> {
    const c = new TestClient(server.wsUrl);
    clients.push(c);
    await c.open();
    c.send({ type: 'hello', codecs: CODECS, ...(controller ? { token: TOKEN } : {}) });
    await c.find(isText('session'));
    if (channel !== null) {
      c.send({ type: 'join', id: 'j', channel });
      await c.find(isText('ack', (m) => m.id === 'j'));
    }
    return c;
  }
  /** The reply (ack or error) to the message with `id`. */
  async function reply(c: TestClient, id: string): Promise<ServerMessage> {
    const { frame } = await c.find((r) => r.kind === 'text' && (r.msg.type === 'ack' || r.msg.type === 'error') && r.msg.id === id);
    return (frame as { msg: ServerMessage }).msg;
  }
  const comments = (c: TestClient): CommentInfo[] => c.frames.flatMap((f) => (f.kind === 'text' && f.msg.type === 'comment' ? [f.msg] : []));

  beforeAll(async () => {
    media = await makeMedia(ffmpeg!);
    server = await startServer(ffmpeg!, media.dir);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await server?.close();
    media?.remove();
  });

  it('reaches every viewer of the channel, stamped with its position; others get nothing', async () => {
    await pauseAt(server, 'clip', 3.5);
    const [a, b, idle] = [await viewer(), await viewer(), await viewer(null)];
    const sent = Date.now();
    a.send({ type: 'comment', id: 'c1', text: ' hello <b>everyone</b> ', name: 'Ana' });
    expect(await reply(a, 'c1')).toEqual({ type: 'ack', id: 'c1' });
    const [ma, mb] = await Promise.all([a, b].map(async (c) => (await c.find(isText('comment'))).frame));
    const got = (ma as { msg: Text<'comment'> }).msg;
    expect(got).toMatchObject({ type: 'comment', channel: 'clip', at: 3.5, name: 'Ana', text: 'hello <b>everyone</b>' });
    expect(got.time).toBeGreaterThanOrEqual(sent - 5);
    expect(Number.isSafeInteger(got.id)).toBe(true);
    expect((mb as { msg: unknown }).msg).toEqual(got);
    // It is stored: the HTTP window lists the same comment.
    const listed = await call(server, 'GET', '/api/channels/clip/comments?from=3&to=4');
    expect((listed.json as { comments: CommentInfo[] }).comments).toContainEqual({ id: got.id, channel: 'clip', at: 3.5, time: got.time, name: 'Ana', text: 'hello <b>everyone</b>' });
    await new Promise((r) => setTimeout(r, 200));
    expect(comments(idle)).toEqual([]);
  });

  it('refuses with stable codes and the message id, and broadcasts nothing', async () => {
    const outsider = await viewer(null);
    outsider.send({ type: 'comment', id: 'n1', text: 'not joined' });
    expect(await reply(outsider, 'n1')).toMatchObject({ type: 'error', code: 'NOT_JOINED' });
    const a = await viewer();
    const b = await viewer();
    const cases: Array<[object, string]> = [
      [{ text: '' }, 'COMMENT_EMPTY'],
      [{ text: 'x'.repeat(201) }, 'COMMENT_TOO_LONG'],
      [{ text: 'bell\u0007' }, 'COMMENT_INVALID'],
      [{ text: 'fine', name: '\u202Eadmin' }, 'NAME_INVALID'],
      [{ text: 7 }, 'BAD_MESSAGE'],
    ];
    // Spaced out so the per-connection budget (3 at once, 1 a second) does not answer first.
    for (const [i, [fields, code]] of cases.entries()) {
      if (i > 0 && i % 3 === 0) await new Promise((r) => setTimeout(r, 1_100));
      a.send({ type: 'comment', id: `r${i}`, ...fields });
      expect(await reply(a, `r${i}`), code).toMatchObject({ type: 'error', id: `r${i}`, code });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect([...comments(a), ...comments(b)]).toEqual([]);
  });

  it('limits comments per connection: 3 at once, then RATE_LIMITED; another connection is not affected', async () => {
    const a = await viewer();
    const b = await viewer();
    for (let i = 0; i < 5; i++) a.send({ type: 'comment', id: `b${i}`, text: `burst ${i}` });
    const replies = await Promise.all([0, 1, 2, 3, 4].map((i) => reply(a, `b${i}`)));
    expect(replies.map((r) => (r.type === 'error' ? r.code : r.type))).toEqual(['ack', 'ack', 'ack', 'RATE_LIMITED', 'RATE_LIMITED']);
    b.send({ type: 'comment', id: 'other', text: 'mine is fine' });
    expect(await reply(b, 'other')).toEqual({ type: 'ack', id: 'other' });
    await new Promise((r) => setTimeout(r, 300));
    expect(comments(b).map((c) => c.text)).toEqual(['burst 0', 'burst 1', 'burst 2', 'mine is fine']);
  });

  it('a controller deletes a comment for everyone; a viewer may not', async () => {
    const a = await viewer();
    const b = await viewer();
    const mod = await viewer(null, true);
    a.send({ type: 'comment', id: 'p', text: 'spam' });
    const posted = (await b.find(isText('comment', (m) => m.text === 'spam'))).frame as { msg: CommentInfo };
    const id = posted.msg.id;
    a.send({ type: 'delete-comment', id: 'd1', comment: id });
    expect(await reply(a, 'd1')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    mod.send({ type: 'delete-comment', id: 'd2', comment: id });
    expect(await reply(mod, 'd2')).toEqual({ type: 'ack', id: 'd2' });
    for (const c of [a, b]) await c.find(isText('comment-deleted', (m) => m.id === id && m.channel === 'clip'));
    mod.send({ type: 'delete-comment', id: 'd3', comment: id });
    expect(await reply(mod, 'd3')).toMatchObject({ type: 'error', code: 'COMMENT_NOT_FOUND' });
    const listed = await call(server, 'GET', '/api/channels/clip/comments?limit=500');
    expect((listed.json as { comments: CommentInfo[] }).comments.map((c) => c.id)).not.toContain(id);
  });

  it('HTTP posts and deletes reach the WebSocket viewers', async () => {
    const a = await viewer();
    const posted = await call(server, 'POST', '/api/channels/clip/comments', { body: { text: 'from a bot', name: 'bot' }, from: freshAddress() });
    expect(posted.status).toBe(201);
    const { comment } = posted.json as { comment: CommentInfo };
    const got = (await a.find(isText('comment', (m) => m.id === comment.id))).frame as { msg: unknown };
    expect(got.msg).toEqual({ type: 'comment', ...comment });
    const del = await call(server, 'DELETE', `/api/channels/clip/comments/${comment.id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(del.status).toBe(200);
    await a.find(isText('comment-deleted', (m) => m.id === comment.id));
  });
});
