import { describe, expect, it } from 'vitest';
import { resolvePlaySource, type PlaySourceDeps } from '../../web/src/pages/play-source.js';
import type { MediaListEntry } from '../../web/src/player/progressive-rules.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const entry = (url: string, progressive: boolean, playback: MediaListEntry['playback'] = null): MediaListEntry => ({ url, progressive, playback });
const mp4Copy = (url: string): MediaListEntry['playback'] => ({ url: `${url}?format=mp4`, variant: 'remux', state: 'pending', error: null });
const preparing = (retryAfter?: string): Response =>
  json(202, { error: { code: 'VOD_PREPARING', message: 'remuxing: 40 %' } }, retryAfter === undefined ? {} : { 'retry-after': retryAfter });

/** A fake server: `/api/media` answers `media`, every other URL takes the next of `answers`. */
function fakeServer(media: Response | Error, answers: Array<Response | Error>) {
  const asked: Array<{ url: string; range: string | null }> = [];
  const waits: number[] = [];
  let clock = 0;
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const range = new Headers(init?.headers).get('range');
    asked.push({ url, range });
    const answer = url === '/api/media' ? media : answers.shift();
    if (answer === undefined) throw new Error(`unexpected fetch ${url}`);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof fetch;
  const deps: PlaySourceDeps = {
    fetchFn,
    signal: new AbortController().signal,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    now: () => clock,
    options: { pollDefaultMs: 2000, pollMaxMs: 10_000, prepareTimeoutMs: 60_000 },
  };
  return { deps, asked, waits };
}

describe('resolvePlaySource', () => {
  it('plays a progressive original as it is, after a one-byte look', async () => {
    const s = fakeServer(json(200, { files: [entry('/vod/clip.mp4', true)] }), [new Response('x', { status: 206 })]);
    expect(await resolvePlaySource('/vod/clip.mp4', s.deps)).toEqual({ ok: true, url: '/vod/clip.mp4', variant: 'original' });
    expect(s.asked).toEqual([{ url: '/api/media', range: null }, { url: '/vod/clip.mp4', range: 'bytes=0-0' }]);
  });

  it('waits for the ?format=mp4 copy while the server answers 202, as Retry-After says', async () => {
    const s = fakeServer(json(200, { files: [entry('/vod/a.mkv', false, mp4Copy('/vod/a.mkv'))] }), [
      preparing('3'),
      preparing(),
      new Response('x', { status: 206 }),
    ]);
    const messages: string[] = [];
    const result = await resolvePlaySource('/vod/a.mkv', { ...s.deps, onPreparing: (m) => messages.push(m) });
    expect(result).toEqual({ ok: true, url: '/vod/a.mkv?format=mp4', variant: 'remux' });
    expect(s.waits).toEqual([3000, 2000]);
    expect(messages).toEqual(['remuxing: 40 %', 'remuxing: 40 %']);
  });

  it('gives up on a copy that takes longer than prepareTimeoutMs', async () => {
    const s = fakeServer(json(200, { files: [entry('/vod/a.mkv', false, mp4Copy('/vod/a.mkv'))] }), Array.from({ length: 10 }, () => preparing('10')));
    const result = await resolvePlaySource('/vod/a.mkv', s.deps);
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(s.waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
  });

  it('says "unknown" for a 404, with the server\'s code', async () => {
    const s = fakeServer(json(200, { files: [] }), [json(404, { error: { code: 'NOT_FOUND', message: 'no such file' } })]);
    const result = await resolvePlaySource('/vod/nope.mp4', s.deps);
    expect(result).toEqual({ ok: false, reason: 'unknown', message: 'no such file: HTTP 404 NOT_FOUND: no such file' });
  });

  it('tries the plain URL when the listing fails', async () => {
    const s = fakeServer(new TypeError('network down'), [new Response('x', { status: 206 })]);
    expect(await resolvePlaySource('/vod/clip.mp4', s.deps)).toEqual({ ok: true, url: '/vod/clip.mp4', variant: 'original' });
  });

  it('reports a file no browser plays and no copy can be made of', async () => {
    const s = fakeServer(json(200, { files: [entry('/vod/a.ts', false, null)] }), []);
    expect(await resolvePlaySource('/vod/a.ts', s.deps)).toMatchObject({ ok: false, reason: 'unplayable' });
    expect(s.asked.map((a) => a.url)).toEqual(['/api/media']);
  });

  it.each([
    [json(500, { error: { code: 'VOD_DERIVE_FAILED', message: 'ffmpeg exited 1' } }), 'HTTP 500 VOD_DERIVE_FAILED: ffmpeg exited 1'],
    [new TypeError('connection reset'), 'TypeError: connection reset'],
  ])('reports a server or network failure as unavailable (%#)', async (answer, detail) => {
    const s = fakeServer(json(200, { files: [] }), [answer]);
    const result = await resolvePlaySource('/vod/clip.mp4', s.deps);
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(result.ok === false && result.message).toContain(detail);
  });

  it('rejects when aborted, without turning it into an answer', async () => {
    const abort = new AbortController();
    abort.abort();
    const s = fakeServer(json(200, { files: [] }), [new DOMException('aborted', 'AbortError')]);
    await expect(resolvePlaySource('/vod/clip.mp4', { ...s.deps, signal: abort.signal })).rejects.toThrow('aborted');
  });
});
