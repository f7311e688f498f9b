import { describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../server/core/protocol.js';
import type { PlayerError } from '../../web/src/player/errors.js';
import { ProgressivePlayback, type ProgressiveState } from '../../web/src/player/progressive.js';
import {
  DEFAULT_PROGRESSIVE_OPTIONS,
  LIVE_NO_MSE_MESSAGE,
  channelPositionAt,
  chooseVodUrl,
  decideFallback,
  probeChannel,
  retryAfterMs,
  type ChannelProbe,
  type FallbackTrigger,
  type MediaListEntry,
} from '../../web/src/player/progressive-rules.js';

describe('channelPositionAt', () => {
  const at = 1_000_000;
  it.each([
    // position, playing, serverNow − positionAt (ms), duration → seconds into the file
    [5, true, 0, 20, 5],
    [5, true, 2500, 20, 7.5],
    [5, false, 2500, 20, 5], // paused: the position holds
    [18, true, 4000, 20, 2], // past the end: files loop
    [0, true, 40_000, 20, 0],
    [5, true, -3000, 20, 5], // server clock behind positionAt (reordered info): never backwards
    [25, true, 1000, null, 26], // no duration known: unfolded
  ])('position %d, playing %s, +%d ms, duration %s → %d', (position, playing, elapsedMs, duration, expected) => {
    expect(channelPositionAt({ position, playing, positionAt: at, status: 'running' }, at + elapsedMs, duration)).toBeCloseTo(expected, 9);
  });

  it.each(['idle', 'starting', 'error'] as const)('a %s channel stands still at its position (its next run resumes there)', (status) => {
    expect(channelPositionAt({ position: 5, playing: true, positionAt: at, status }, at + 3_600_000, 20)).toBe(5);
  });

  it('treats a null position (live) as 0', () => {
    expect(channelPositionAt({ position: null, playing: false, positionAt: at, status: 'running' }, at, 10)).toBe(0);
  });
});

describe('chooseVodUrl', () => {
  const entry = (over: Partial<MediaListEntry>): MediaListEntry => ({ url: '/vod/a.mp4', progressive: true, playback: null, ...over });
  const ready = (url: string, variant: string) => ({ url, variant, state: 'ready' as const, error: null });
  it.each<[string, readonly MediaListEntry[] | null, ReturnType<typeof chooseVodUrl>]>([
    ['no listing: the plain URL', null, { ok: true, url: '/vod/a.mp4', variant: 'original', poll: false }],
    ['file not listed: the plain URL', [entry({ url: '/vod/b.mp4' })], { ok: true, url: '/vod/a.mp4', variant: 'original', poll: false }],
    ['progressive original', [entry({ playback: ready('/vod/a.mp4', 'original') })], { ok: true, url: '/vod/a.mp4', variant: 'original', poll: false }],
    ['faststart copy at the same URL', [entry({ progressive: false, playback: { ...ready('/vod/a.mp4', 'faststart'), state: 'pending' } })],
      { ok: true, url: '/vod/a.mp4', variant: 'faststart', poll: false }],
    ['remux copy: poll ?format=mp4', [entry({ url: '/vod/a.mkv', progressive: false, playback: { ...ready('/vod/a.mkv?format=mp4', 'remux'), state: 'absent' } })],
      { ok: true, url: '/vod/a.mkv?format=mp4', variant: 'remux', poll: true }],
  ])('%s', (_name, files, expected) => {
    const vod = files?.[0]?.url.startsWith('/vod/a.mkv') ? '/vod/a.mkv' : '/vod/a.mp4';
    expect(chooseVodUrl(vod, files)).toEqual(expected);
  });

  it('refuses a file with no playable copy, or whose copy failed', () => {
    expect(chooseVodUrl('/vod/x.bin', [entry({ url: '/vod/x.bin', progressive: false, playback: null })])).toMatchObject({ ok: false });
    const failed = entry({ url: '/vod/x.ts', progressive: false, playback: { url: '/vod/x.ts?format=mp4', variant: 'transcode', state: 'failed', error: { code: 'FFMPEG_EXIT', message: 'boom' } } });
    expect(chooseVodUrl('/vod/x.ts', [failed])).toEqual({ ok: false, message: 'the MP4 copy of /vod/x.ts failed: FFMPEG_EXIT boom' });
  });
});

describe('retryAfterMs', () => {
  it.each([
    [null, 2000],
    ['3', 3000],
    [' 0 ', 0],
    ['60', 10_000], // capped
    ['Wed, 21 Oct 2015 07:28:00 GMT', 2000], // HTTP-date: the default
    ['-1', 2000],
    ['1.5', 2000],
  ])('%j → %d ms', (header, expected) => {
    expect(retryAfterMs(header, 2000, 10_000)).toBe(expected);
  });
});

const INFO: ChannelInfo = {
  id: 'clip', kind: 'file', source: 'clip.mp4', status: 'idle', viewers: 0, mime: null, codecs: [], duration: null,
  epoch: 0, version: 0, playing: true, seekable: false, mediaTime: 4, position: 3, positionAt: 1_000_000, serverTime: 1_002_000,
  vod: '/vod/clip.mp4', control: 'token', bitrate: null, error: null, attempt: 0, nextRetryAt: null, drops: 0,
};

describe('decideFallback', () => {
  const file: ChannelProbe = { ok: true, info: INFO, receivedAt: 0 };
  const live: ChannelProbe = { ok: true, info: { ...INFO, id: 'cam', kind: 'live', vod: null, position: null }, receivedAt: 0 };
  const fileOutsideMedia: ChannelProbe = { ok: true, info: { ...INFO, vod: null }, receivedAt: 0 };
  const down: ChannelProbe = { ok: false, status: null, code: null, message: 'Failed to fetch' };
  const unknown: ChannelProbe = { ok: false, status: 404, code: 'UNKNOWN_CHANNEL', message: 'HTTP 404 UNKNOWN_CHANNEL: no such channel' };
  const codecError: PlayerError = { code: 'UNSUPPORTED_CODEC', message: 'no avc1.64001f', fatal: true };
  const noMse: FallbackTrigger = { kind: 'no-mse' };
  const codec: FallbackTrigger = { kind: 'unsupported-codec', error: codecError };
  const socket: FallbackTrigger = { kind: 'socket-failures', failures: 3 };

  it.each<[string, FallbackTrigger, ChannelProbe, string]>([
    ['no MSE, file channel', noMse, file, 'progressive'],
    ['codecs, file channel', codec, file, 'progressive'],
    ['socket, file channel', socket, file, 'progressive'],
    ['no MSE, live channel', noMse, live, 'fail'],
    ['no MSE, file outside the media folder', noMse, fileOutsideMedia, 'fail'],
    ['no MSE, lookup failed', noMse, down, 'fail'],
    ['codecs, live channel', codec, live, 'fail'],
    ['codecs, lookup failed', codec, down, 'fail'],
    ['socket, live channel', socket, live, 'stay'],
    ['socket, lookup failed', socket, down, 'stay'],
  ])('%s → %s', (_name, trigger, probe, kind) => {
    expect(decideFallback(trigger, probe).kind).toBe(kind);
  });

  it('says why, and gives live channels without MSE the clear message', () => {
    expect(decideFallback(socket, file)).toEqual({ kind: 'progressive', reason: 'the WebSocket failed 3 times in a row', error: null });
    // The codec error becomes a warning once the fallback plays.
    expect(decideFallback(codec, file)).toEqual({
      kind: 'progressive',
      reason: 'Media Source Extensions cannot play this channel (no avc1.64001f)',
      error: { ...codecError, fatal: false },
    });
    expect(decideFallback(noMse, live)).toEqual({ kind: 'fail', error: { code: 'NO_MSE', message: LIVE_NO_MSE_MESSAGE, fatal: true } });
    expect(decideFallback(codec, live)).toEqual({ kind: 'fail', error: codecError });
    expect(decideFallback(noMse, unknown)).toMatchObject({ kind: 'fail', error: { code: 'UNKNOWN_CHANNEL', fatal: true } });
    expect(decideFallback(socket, live)).toEqual({ kind: 'stay', error: null });
    expect(decideFallback(socket, down)).toMatchObject({ kind: 'stay', error: { code: 'VOD_UNAVAILABLE', fatal: false } });
  });
});

type Route = (init: RequestInit | undefined) => Response | Promise<Response>;

/** A fetch that answers from `routes` by path (+ query) and records every call. */
function fakeFetch(routes: Record<string, Route | Route[]>) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init });
    const route = routes[url];
    const handler = Array.isArray(route) ? (route.length > 1 ? route.shift() : route[0]) : route;
    if (!handler) throw new TypeError(`Failed to fetch ${url}`);
    return handler(init);
  }) as typeof fetch;
  return { fn, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('probeChannel', () => {
  const signal = new AbortController().signal;
  it('returns the channel info', async () => {
    const { fn, calls } = fakeFetch({ '/api/channels/clip': json(200, INFO) });
    const probe = await probeChannel('clip', signal, fn);
    expect(probe).toMatchObject({ ok: true, info: INFO });
    expect(calls[0]!.url).toBe('/api/channels/clip');
  });
  it('reads the error code of a failed lookup', async () => {
    const { fn } = fakeFetch({ '/api/channels/nope': json(404, { error: { code: 'UNKNOWN_CHANNEL', message: 'no such channel' } }) });
    expect(await probeChannel('nope', signal, fn)).toEqual({ ok: false, status: 404, code: 'UNKNOWN_CHANNEL', message: 'HTTP 404 UNKNOWN_CHANNEL: no such channel' });
  });
  it('never rejects on a network error', async () => {
    const { fn } = fakeFetch({});
    expect(await probeChannel('a b', signal, fn)).toMatchObject({ ok: false, status: null, code: null });
  });
});

/** The <video> surface ProgressivePlayback uses; events are fired by the test. */
class FakeVideo extends EventTarget {
  autoplay = true;
  loop = false;
  preload = '';
  muted = false;
  currentTime = 0;
  duration = Number.NaN;
  error: { code: number; message: string } | null = null;
  plays = 0;
  loads = 0;
  private source = '';
  get src(): string {
    return this.source;
  }
  set src(value: string) {
    this.source = new URL(value, 'http://viewer.test').href;
  }
  removeAttribute(name: string): void {
    if (name === 'src') this.source = '';
  }
  load(): void {
    this.loads++;
  }
  play(): Promise<void> {
    this.plays++;
    return Promise.resolve();
  }
  fire(type: string): void {
    this.dispatchEvent(new Event(type));
  }
}

function setup(routes: Record<string, Route | Route[]>, info: ChannelInfo = INFO) {
  const video = new FakeVideo();
  const { fn, calls } = fakeFetch(routes);
  // The info arrived "now": serverTime is the server's clock at this moment.
  const p = new ProgressivePlayback(video as unknown as HTMLVideoElement, info, performance.now(), { ...DEFAULT_PROGRESSIVE_OPTIONS, pollDefaultMs: 1 }, fn);
  const states: ProgressiveState[] = [];
  const errors: PlayerError[] = [];
  p.on('state', (e) => states.push(e.to));
  p.on('error', (e) => errors.push(e));
  return { video, p, calls, states, errors };
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
};

const listing = (entries: MediaListEntry[]) => json(200, { files: entries });

describe('ProgressivePlayback', () => {
  it('plays the original from the channel position, then releases the video on stop()', async () => {
    const { video, p, states, errors } = setup({ '/api/media': listing([{ url: '/vod/clip.mp4', progressive: true, playback: null }]) }, { ...INFO, status: 'running' });
    p.start();
    await until(() => p.state === 'loading');
    expect(video.src).toBe('http://viewer.test/vod/clip.mp4');
    expect(p.url).toBe(video.src);
    expect([video.autoplay, video.loop, video.preload]).toEqual([false, true, 'auto']);

    // Channel: position 3 at positionAt, info made 2 s later → 5 s now; the file is 20 s long.
    video.duration = 20;
    video.fire('loadedmetadata');
    expect(video.currentTime).toBeGreaterThanOrEqual(5);
    expect(video.currentTime).toBeLessThan(5.5);
    expect(video.plays).toBe(1);
    video.fire('playing');
    expect(states).toEqual(['preparing', 'loading', 'playing']);
    expect(errors).toEqual([]);

    p.stop();
    expect(video.src).toBe('');
    expect(video.loads).toBe(1);
    expect([video.autoplay, video.loop]).toEqual([true, false]);
    expect(p.state).toBe('stopped');
  });

  it('starts an idle channel exactly at its position: it stands still while nobody watches', async () => {
    const { video, p } = setup({ '/api/media': listing([{ url: '/vod/clip.mp4', progressive: true, playback: null }]) });
    p.start();
    await until(() => p.state === 'loading');
    video.duration = 20;
    video.fire('loadedmetadata');
    expect(video.currentTime).toBe(3);
    p.stop();
  });

  it('folds the position with the file duration when the channel does not know it', async () => {
    const info = { ...INFO, status: 'running' as const, position: 47, serverTime: INFO.positionAt };
    const { video, p } = setup({ '/api/media': listing([]) }, info);
    p.start();
    await until(() => p.state === 'loading');
    video.duration = 20;
    video.fire('loadedmetadata');
    expect(video.currentTime).toBeGreaterThanOrEqual(7);
    expect(video.currentTime).toBeLessThan(7.5);
  });

  it('holds a paused channel at its position without playing', async () => {
    const { video, p, states } = setup({ '/api/media': listing([]) }, { ...INFO, playing: false, duration: 20 });
    p.start();
    await until(() => p.state === 'loading');
    video.fire('loadedmetadata');
    expect(video.currentTime).toBe(3);
    expect(video.plays).toBe(0);
    expect(states.at(-1)).toBe('playing');
  });

  it('polls a ?format=mp4 copy while it answers 202, then plays it', async () => {
    const copy = '/vod/clip.mkv?format=mp4';
    const preparing = json(202, { error: { code: 'VOD_PREPARING', message: 'being prepared', variant: 'remux' } }, { 'Retry-After': '0' });
    const { video, p, calls, errors } = setup({
      '/api/media': listing([{ url: '/vod/clip.mkv', progressive: false, playback: { url: copy, variant: 'remux', state: 'pending', error: null } }]),
      [copy]: [preparing, preparing, () => new Response('x', { status: 206, headers: { 'Content-Range': 'bytes 0-0/100' } })],
    }, { ...INFO, vod: '/vod/clip.mkv' });
    p.start();
    await until(() => p.state === 'loading');
    expect(calls.filter((c) => c.url === copy)).toHaveLength(3);
    expect(new Headers(calls[1]!.init?.headers).get('Range')).toBe('bytes=0-0');
    expect(video.src).toBe(`http://viewer.test${copy}`);
    expect(errors).toEqual([]);
  });

  it('fails with VOD_UNAVAILABLE when the copy cannot be made', async () => {
    const copy = '/vod/clip.ts?format=mp4';
    const { video, p, errors } = setup({
      '/api/media': listing([{ url: '/vod/clip.ts', progressive: false, playback: { url: copy, variant: 'transcode', state: 'absent', error: null } }]),
      [copy]: json(500, { error: { code: 'VOD_DERIVE_FAILED', message: 'ffmpeg exited 1' } }),
    }, { ...INFO, vod: '/vod/clip.ts' });
    p.start();
    await until(() => p.state === 'failed');
    expect(errors).toEqual([{ code: 'VOD_UNAVAILABLE', message: expect.stringContaining('VOD_DERIVE_FAILED: ffmpeg exited 1') as string, fatal: true }]);
    expect(video.src).toBe('');
  });

  it('tries the plain URL when the media listing fails, and says so', async () => {
    const { video, p, errors } = setup({ '/api/media': json(500, { error: { code: 'INTERNAL', message: 'x' } }) });
    p.start();
    await until(() => p.state === 'loading');
    expect(video.src).toBe('http://viewer.test/vod/clip.mp4');
    expect(errors).toEqual([{ code: 'VOD_UNAVAILABLE', message: 'GET /api/media failed (HTTP 500); trying /vod/clip.mp4', fatal: false }]);
  });

  it('turns a MediaError into a fatal MEDIA_ERROR', async () => {
    const { video, p, errors } = setup({ '/api/media': listing([]) });
    p.start();
    await until(() => p.state === 'loading');
    video.error = { code: 4, message: 'DEMUXER_ERROR_COULD_NOT_OPEN' };
    video.fire('error');
    expect(p.state).toBe('failed');
    expect(errors).toEqual([{ code: 'MEDIA_ERROR', message: 'MediaError 4 playing http://viewer.test/vod/clip.mp4: DEMUXER_ERROR_COULD_NOT_OPEN', fatal: true }]);
  });

  it('stop() while a copy is being polled ends the wait quietly', async () => {
    const copy = '/vod/clip.mkv?format=mp4';
    const { video, p, errors } = setup({
      '/api/media': listing([{ url: '/vod/clip.mkv', progressive: false, playback: { url: copy, variant: 'remux', state: 'pending', error: null } }]),
      [copy]: json(202, { error: { code: 'VOD_PREPARING', message: 'being prepared' } }, { 'Retry-After': '5' }),
    }, { ...INFO, vod: '/vod/clip.mkv' });
    p.start();
    await new Promise((r) => setTimeout(r, 20));
    p.stop();
    await new Promise((r) => setTimeout(r, 5));
    expect(p.state).toBe('stopped');
    expect(errors).toEqual([]);
    expect(video.src).toBe('');
  });
});
