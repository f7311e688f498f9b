/**
 * Comments over HTTP on the real server: POST stamps and stores, GET lists a position window or the
 * newest, every refusal has its code and status, POST is limited per client address, DELETE needs
 * the control token, and comments survive a restart on the same data folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommentInfo } from '../../../server/core/protocol.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { tempDir, type TestServer } from '../../helpers/server.js';
import { TOKEN, call, codeOf, freshAddress, makeMedia, pauseAt, startServer } from './fixture.js';

const ffmpeg = await findTestFfmpeg();
const URL_CLIP = '/api/channels/clip/comments';

describe.skipIf(!ffmpeg)('comments over HTTP', () => {
  let media: { dir: string; remove(): void };
  let server: TestServer;

  beforeAll(async () => {
    media = await makeMedia(ffmpeg!);
    server = await startServer(ffmpeg!, media.dir);
  });
  afterAll(async () => {
    await server?.close();
    media?.remove();
  });

  it('POST stamps the comment with the paused channel position; GET lists it in its window only', async () => {
    await pauseAt(server, 'clip', 2.5);
    const before = Date.now();
    const posted = await call(server, 'POST', URL_CLIP, { body: { text: '  look at this  ', name: 'Bea' }, from: freshAddress() });
    expect(posted.status, posted.text).toBe(201);
    const comment = (posted.json as { comment: CommentInfo }).comment;
    expect(comment).toMatchObject({ channel: 'clip', at: 2.5, name: 'Bea', text: 'look at this' });
    expect(comment.time).toBeGreaterThanOrEqual(before);
    expect(comment.time).toBeLessThanOrEqual(Date.now());

    const inside = await call(server, 'GET', `${URL_CLIP}?from=2&to=3`);
    expect(inside.status).toBe(200);
    expect((inside.json as { comments: CommentInfo[] }).comments).toContainEqual(comment);
    const outside = await call(server, 'GET', `${URL_CLIP}?from=3&to=30`);
    expect((outside.json as { comments: CommentInfo[] }).comments.map((c) => c.id)).not.toContain(comment.id);
    const head = await call(server, 'HEAD', `${URL_CLIP}?from=2&to=3`);
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('a comment on a live channel has no position and is listed among the newest', async () => {
    const posted = await call(server, 'POST', '/api/channels/test/comments', { body: { text: 'live!' }, from: freshAddress() });
    expect(posted.status, posted.text).toBe(201);
    const comment = (posted.json as { comment: CommentInfo }).comment;
    expect(comment).toMatchObject({ channel: 'test', at: null, name: 'viewer', text: 'live!' });
    const recent = await call(server, 'GET', '/api/channels/test/comments?limit=5');
    expect((recent.json as { comments: CommentInfo[] }).comments.at(-1)).toEqual(comment);
  });

  it.each([
    ['empty text', { text: '   ' }, 400, 'COMMENT_EMPTY'],
    ['201 characters', { text: 'x'.repeat(201) }, 400, 'COMMENT_TOO_LONG'],
    ['a newline', { text: 'a\nb' }, 400, 'COMMENT_INVALID'],
    ['a bidi override', { text: 'abc\u202Edef' }, 400, 'COMMENT_INVALID'],
    ['a long name', { text: 'ok', name: 'n'.repeat(33) }, 400, 'NAME_INVALID'],
    ['text not a string', { text: 42 }, 400, 'BAD_MESSAGE'],
    ['an unknown field', { text: 'ok', html: '<b>' }, 400, 'BAD_MESSAGE'],
    ['not JSON', '{"text":', 400, 'BAD_MESSAGE'],
    ['a JSON array', '["text"]', 400, 'BAD_MESSAGE'],
    ['a body over 8 KiB', `{"text":"${'x'.repeat(9000)}"}`, 413, 'BAD_MESSAGE'],
  ])('POST refuses %s: %i %s, storing nothing', async (_name, body, status, code) => {
    const before = await call(server, 'GET', `${URL_CLIP}?limit=500`);
    const a = await call(server, 'POST', URL_CLIP, { body, from: freshAddress() });
    expect([a.status, codeOf(a)]).toEqual([status, code]);
    const after = await call(server, 'GET', `${URL_CLIP}?limit=500`);
    expect(after.json).toEqual(before.json);
  });

  it.each([
    ['GET', '/api/channels/nope/comments?from=0&to=1', 404, 'UNKNOWN_CHANNEL'],
    ['POST', '/api/channels/nope/comments', 404, 'UNKNOWN_CHANNEL'],
    ['GET', `${URL_CLIP}?from=5&to=1`, 400, 'COMMENT_BAD_WINDOW'],
    ['GET', `${URL_CLIP}?from=0&to=601`, 400, 'COMMENT_BAD_WINDOW'],
    ['GET', `${URL_CLIP}?from=x&to=1`, 400, 'COMMENT_BAD_WINDOW'],
    ['GET', `${URL_CLIP}?from=1`, 400, 'COMMENT_BAD_WINDOW'],
    ['PUT', URL_CLIP, 405, 'METHOD_NOT_ALLOWED'],
    ['GET', `${URL_CLIP}/1`, 405, 'METHOD_NOT_ALLOWED'],
  ])('%s %s → %i %s', async (method, pathname, status, code) => {
    const a = await call(server, method, pathname, method === 'POST' ? { body: { text: 'x' }, from: freshAddress() } : {});
    expect([a.status, codeOf(a)]).toEqual([status, code]);
  });

  it('limits POSTs per client address: a burst of 3, then 429 with Retry-After; another address is not affected', async () => {
    const from = freshAddress();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await call(server, 'POST', '/api/channels/test/comments', { body: { text: `burst ${i}` }, from }));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429, 429]);
    expect(codeOf(answers[3]!)).toBe('RATE_LIMITED');
    expect(answers[3]!.headers['retry-after']).toBe('1');
    const other = await call(server, 'POST', '/api/channels/test/comments', { body: { text: 'me too' }, from: freshAddress() });
    expect(other.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call(server, 'POST', '/api/channels/test/comments', { body: { text: 'later' }, from })).status).toBe(201);
  });

  it('DELETE needs the control token, and names the comment on its own channel', async () => {
    const posted = await call(server, 'POST', URL_CLIP, { body: { text: 'delete me' }, from: freshAddress() });
    const id = (posted.json as { comment: CommentInfo }).comment.id;
    const none = await call(server, 'DELETE', `${URL_CLIP}/${id}`);
    expect([none.status, codeOf(none)]).toEqual([401, 'FORBIDDEN']);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await call(server, 'DELETE', `${URL_CLIP}/${id}`, { headers: { Authorization: 'Bearer not-the-token' } });
    expect([wrong.status, codeOf(wrong)]).toEqual([403, 'FORBIDDEN']);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const elsewhere = await call(server, 'DELETE', `/api/channels/test/comments/${id}`, { headers: auth });
    expect([elsewhere.status, codeOf(elsewhere)]).toEqual([404, 'COMMENT_NOT_FOUND']);
    for (const bad of ['abc', '0', '01', '-1', '']) {
      const a = await call(server, 'DELETE', `${URL_CLIP}/${bad}`, { headers: auth });
      expect([a.status, codeOf(a)], bad).toEqual([404, 'COMMENT_NOT_FOUND']);
    }
    const ok = await call(server, 'DELETE', `${URL_CLIP}/${id}`, { headers: auth });
    expect(ok.status, ok.text).toBe(200);
    expect((ok.json as { deleted: CommentInfo }).deleted.id).toBe(id);
    const again = await call(server, 'DELETE', `${URL_CLIP}/${id}`, { headers: auth });
    expect([again.status, codeOf(again)]).toEqual([404, 'COMMENT_NOT_FOUND']);
    const listed = await call(server, 'GET', `${URL_CLIP}?limit=500`);
    expect((listed.json as { comments: CommentInfo[] }).comments.map((c) => c.id)).not.toContain(id);
  });

  it('a cross-origin page may not post (ORIGIN_FORBIDDEN)', async () => {
    const a = await call(server, 'POST', URL_CLIP, { body: { text: 'csrf' }, headers: { Origin: 'https://evil.example' }, from: freshAddress() });
    expect([a.status, codeOf(a)]).toEqual([403, 'ORIGIN_FORBIDDEN']);
  });
});

describe.skipIf(!ffmpeg)('comments across a restart', () => {
  it('are listed again by a new server on the same data folder, with their ids, and new ids keep growing', async () => {
    const media = await makeMedia(ffmpeg!);
    const data = tempDir('pushcast-data-');
    try {
      let server = await startServer(ffmpeg!, media.dir, { dataDir: data.dir });
      await pauseAt(server, 'clip', 1.25);
      const a = ((await call(server, 'POST', URL_CLIP, { body: { text: 'before the restart', name: 'Cy' } })).json as { comment: CommentInfo }).comment;
      const b = ((await call(server, 'POST', '/api/channels/test/comments', { body: { text: 'live, before' } })).json as { comment: CommentInfo }).comment;
      expect(a.at).toBe(1.25);
      await server.close();

      server = await startServer(ffmpeg!, media.dir, { dataDir: data.dir });
      try {
        const window = await call(server, 'GET', `${URL_CLIP}?from=1&to=2`);
        expect((window.json as { comments: CommentInfo[] }).comments).toEqual([a]);
        const recent = await call(server, 'GET', '/api/channels/test/comments');
        expect((recent.json as { comments: CommentInfo[] }).comments).toEqual([b]);
        const c = ((await call(server, 'POST', URL_CLIP, { body: { text: 'after' } })).json as { comment: CommentInfo }).comment;
        expect(c.id).toBeGreaterThan(b.id);
      } finally {
        await server.close();
      }
    } finally {
      data.remove();
      media.remove();
    }
  }, 40_000);
});
