/**
 * Integration (real server, real ffmpeg): channels added and deleted at runtime.
 *  - POST /api/channels with a file of the media folder (relative path) and a live udp:// source
 *    fed by a real ffmpeg publisher; viewers join them over WebSocket and get mse → init → fragment;
 *  - the refusals, each with its stable code (no token, bad scheme, `../`, a symlink out, bad id,
 *    duplicate, deleting a config channel …);
 *  - DELETE tells a joined viewer CHANNEL_DELETED, detaches it and stops that channel's ffmpeg;
 *  - a runtime channel survives a restart on the same data folder (and one whose id a config
 *    channel has taken meanwhile is skipped);
 *  - credentials of a runtime source appear in no API body, WebSocket message or log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInfo, ServerMessage } from '../../../server/core/protocol.js';
import { BoxSplitter } from '../../../server/media/box-splitter.js';
import { DEFAULTS, type Config } from '../../../server/runtime/config.js';
import { createMemoryLogger } from '../../../server/runtime/log.js';
import { generateSample } from '../../../server/sample-media.js';
import { createApp } from '../../../server/server.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { mediaChildren } from '../../helpers/processes.js';
import { tempDir, TestClient } from '../../helpers/server.js';
import { COMMAND_BUDGET } from '../../../server/access/command-gate.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'runtime-channels-token';
const CODECS = ['avc1.640028', 'avc1.42C01E', 'avc1.64001F', 'mp4a.40.2'];
const SECRETS = ['Rt5ecretPw', 'Rt5ecretTok'];
/** A port in the dynamic range, different on every run so parallel checkouts do not collide. */
const freshPort = (): number => 40_000 + Math.floor(Math.random() * 20_000);

interface Running {
  url: string;
  wsUrl: string;
  app: ReturnType<typeof createApp>;
  raw: string[];
  close(): Promise<void>;
}

/** startTestServer, with a memory logger at debug level (where ffmpeg's command lines are logged). */
async function start(overrides: Partial<Config>): Promise<Running> {
  const { log, raw } = createMemoryLogger({ level: 'debug' });
  const config: Config = { ...DEFAULTS, host: '127.0.0.1', port: 0, idleStopMs: 500, controlToken: TOKEN, restartMinMs: 300, restartMaxMs: 600, ...overrides };
  const app = createApp({ config, ffmpeg: ffmpeg!, log });
  const { port } = await app.listen();
  return { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, app, raw, close: () => app.close() };
}

async function api(server: Running, method: string, p: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers: { ...(token !== null ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the test looks at the text
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function join(server: Running, channel: string, token?: string): Promise<TestClient> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  await c.nextText('welcome');
  c.send({ type: 'hello', codecs: CODECS, ...(token ? { token } : {}) });
  c.send({ type: 'join', id: 'j', channel });
  return c;
}

/** mse → init (ftyp + moov) → a fragment with a moof. */
async function expectMedia(c: TestClient, channel: string): Promise<void> {
  const mse = await c.nextText('mse', 30_000);
  expect(mse.channel).toBe(channel);
  const init = await c.nextBinary(15_000);
  expect(new BoxSplitter().push(init).map((b) => b.type)).toEqual(['ftyp', 'moov']);
  const fragment = await c.nextBinary(15_000);
  expect(new BoxSplitter().push(fragment).map((b) => b.type)).toContain('moof');
}

const texts = (c: TestClient): string[] => c.frames.filter((f) => f.kind === 'text').map((f) => JSON.stringify((f as { msg: ServerMessage }).msg));
const leaks = (text: string): string[] => SECRETS.filter((s) => text.toLowerCase().includes(s.toLowerCase()));

describe.skipIf(!ffmpeg)('channels at runtime', () => {
  const media = tempDir('pushcast-media-');
  const outside = tempDir('pushcast-outside-');
  const data = tempDir('pushcast-data-');
  const livePort = freshPort();
  const closedPort = freshPort();
  const secretSource = `http://admin:${SECRETS[0]}@127.0.0.1:${closedPort}/live.ts?token=${SECRETS[1]}`;
  let publisher: ChildProcess | null = null;
  let server: Running;
  /** Everything that left the first server: API bodies and every WebSocket text frame. */
  const seen: string[] = [];

  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'clip.mp4'), durationSec: 6 });
    writeFileSync(path.join(outside.dir, 'secret.mp4'), 'outside the media folder');
    symlinkSync(path.join(outside.dir, 'secret.mp4'), path.join(media.dir, 'out.mp4'));
    // A camera: H.264 + AAC in MPEG-TS to the UDP port the runtime channel will listen on.
    publisher = spawn(ffmpeg!.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', `udp://127.0.0.1:${livePort}?pkt_size=1316`,
    ], { stdio: 'ignore' });
    server = await start({ mediaDir: media.dir, dataDir: data.dir, channels: [{ id: 'cfg', source: `udp://127.0.0.1:${freshPort()}` }] });
  }, 120_000);

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    await server?.close();
    for (const d of [media, outside, data]) d.remove();
  });

  it.each<[string, string, string, unknown, string | null, number, string]>([
    ['no token', 'POST', '/api/channels', { id: 'x', source: 'clip.mp4' }, null, 401, 'FORBIDDEN'],
    ['a wrong token', 'POST', '/api/channels', { id: 'x', source: 'clip.mp4' }, 'not-the-token', 403, 'FORBIDDEN'],
    ['a file: source', 'POST', '/api/channels', { id: 'x', source: 'file:///etc/passwd' }, TOKEN, 400, 'SOURCE_SCHEME_FORBIDDEN'],
    ['a concat: source', 'POST', '/api/channels', { id: 'x', source: 'concat:clip.mp4|clip.mp4' }, TOKEN, 400, 'SOURCE_SCHEME_FORBIDDEN'],
    ['a path with ../', 'POST', '/api/channels', { id: 'x', source: '../pushcast-outside/secret.mp4' }, TOKEN, 400, 'SOURCE_OUTSIDE_MEDIA'],
    ['a symlink out of the media folder', 'POST', '/api/channels', { id: 'x', source: 'out.mp4' }, TOKEN, 400, 'SOURCE_OUTSIDE_MEDIA'],
    ['an absolute path elsewhere', 'POST', '/api/channels', { id: 'x', source: '/etc/passwd' }, TOKEN, 400, 'SOURCE_OUTSIDE_MEDIA'],
    ['a missing file', 'POST', '/api/channels', { id: 'x', source: 'nope.mp4' }, TOKEN, 400, 'BAD_SOURCE'],
    ['a bad id', 'POST', '/api/channels', { id: '../x', source: 'clip.mp4' }, TOKEN, 400, 'BAD_CHANNEL_ID'],
    ['a bad transcode', 'POST', '/api/channels', { id: 'x', source: 'clip.mp4', transcode: 'maybe' }, TOKEN, 400, 'BAD_MESSAGE'],
    ['not JSON', 'POST', '/api/channels', '{"id":', TOKEN, 400, 'BAD_MESSAGE'],
    ['a body over 8 KiB', 'POST', '/api/channels', { id: 'x', source: 'clip.mp4', pad: 'x'.repeat(9000) }, TOKEN, 413, 'BAD_MESSAGE'],
    ['the id of a config channel', 'POST', '/api/channels', { id: 'cfg', source: 'clip.mp4' }, TOKEN, 409, 'CHANNEL_EXISTS'],
    ['the id of a media-folder channel', 'POST', '/api/channels', { id: 'clip', source: 'clip.mp4' }, TOKEN, 409, 'CHANNEL_EXISTS'],
    ['an id that differs only in case', 'POST', '/api/channels', { id: 'CLIP', source: 'clip.mp4' }, TOKEN, 409, 'CHANNEL_EXISTS'],
    ['deleting a config channel', 'DELETE', '/api/channels/cfg', undefined, TOKEN, 409, 'CHANNEL_READ_ONLY'],
    ['deleting the test pattern', 'DELETE', '/api/channels/test', undefined, TOKEN, 409, 'CHANNEL_READ_ONLY'],
    ['deleting a media-folder channel', 'DELETE', '/api/channels/clip', undefined, TOKEN, 409, 'CHANNEL_READ_ONLY'],
    ['deleting no channel', 'DELETE', '/api/channels/nobody', undefined, TOKEN, 404, 'UNKNOWN_CHANNEL'],
    ['deleting without a token', 'DELETE', '/api/channels/cfg', undefined, null, 401, 'FORBIDDEN'],
  ])('refuses %s', async (_name, method, p, body, token, status, code) => {
    const r = await api(server, method, p, body, token);
    expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status, code });
    expect(server.app.channels.get('x')).toBeUndefined();
    expect(server.app.store.channels.list()).toEqual([]);
  });

  it('leaves reading to the read routes: GET lists, other methods stay 405', async () => {
    expect((await api(server, 'GET', '/api/channels')).status).toBe(200);
    expect((await api(server, 'PUT', '/api/channels', {})).status).toBe(405);
    expect((await api(server, 'POST', '/api/channels/cfg', {})).status).toBe(405);
  });

  it('adds a file of the media folder by its relative path: listed, joined, playing', async () => {
    // The refusal table above spent this address's command budget (COMMAND_BUDGET: a burst of 20,
    // then 10 a second); let it refill so this add is not answered 429.
    await new Promise((r) => setTimeout(r, (1000 * COMMAND_BUDGET.burst) / COMMAND_BUDGET.perSecond + 100));
    const r = await api(server, 'POST', '/api/channels', { id: 'movie', source: 'clip.mp4', transcode: 'auto' });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/api/channels/movie');
    expect(r.json.channel).toMatchObject({ id: 'movie', kind: 'file', origin: 'runtime', source: 'clip.mp4', vod: '/vod/clip.mp4' });
    const listed = (await api(server, 'GET', '/api/channels')).json.channels as ChannelInfo[];
    expect(Object.fromEntries(listed.map((c) => [c.id, c.origin]))).toEqual({ test: 'builtin', cfg: 'config', clip: 'media', movie: 'runtime' });
    const c = await join(server, 'movie');
    await expectMedia(c, 'movie');
    // server.ts hooked it like the others (watchChannel): its ffmpeg start is counted.
    expect((await api(server, 'GET', '/metrics')).text).toMatch(/^pushcast_ffmpeg_starts_total\{channel="movie"\} 1$/m);
    c.close();
  }, 60_000);

  it('adds a live udp:// source fed by a real publisher; deleting it tells the viewer and stops its ffmpeg', async () => {
    const added = await api(server, 'POST', '/api/channels', { id: 'cam', source: `udp://127.0.0.1:${livePort}` });
    expect(added.status).toBe(201);
    expect(added.json.channel).toMatchObject({ id: 'cam', kind: 'live', origin: 'runtime', vod: null });
    const viewer = await join(server, 'cam');
    await expectMedia(viewer, 'cam');
    const pid = server.app.channels.get('cam')!.ffmpegPid;
    expect(pid).not.toBeNull();
    expect(mediaChildren().map((p) => p.pid)).toContain(pid);

    server.app.store.comments.insert({ channel: 'cam', at: null, time: Date.now(), name: 'viewer', text: 'said on the old cam' });
    const deleted = await api(server, 'DELETE', '/api/channels/cam');
    expect(deleted).toMatchObject({ status: 200, json: { deleted: 'cam' } });
    // Its comments go with it: a new channel of that id starts without them.
    expect(server.app.store.comments.recent('cam', 10)).toEqual([]);
    const told = await viewer.nextText('error', 5_000);
    expect(told.code).toBe('CHANNEL_DELETED');
    // DELETE answers once the channel's ffmpeg has stopped: not even a zombie is left.
    expect(mediaChildren().map((p) => p.pid)).not.toContain(pid);
    expect((await api(server, 'GET', '/api/channels/cam')).status).toBe(404);
    expect(server.app.store.channels.list().map((c) => c.id)).not.toContain('cam');
    // The viewer is detached: nothing to leave, and the channel is gone for a new join.
    viewer.send({ type: 'leave', id: 'l' });
    expect((await viewer.nextText('error', 5_000)).code).toBe('NOT_JOINED');
    viewer.send({ type: 'join', id: 'again', channel: 'cam' });
    expect((await viewer.nextText('error', 5_000)).code).toBe('UNKNOWN_CHANNEL');
    seen.push(...texts(viewer));
    viewer.close();
  }, 60_000);

  it('masks the credentials of a runtime source in API bodies, WebSocket messages and logs', async () => {
    const dashboard = await join(server, 'movie', TOKEN);
    dashboard.send({ type: 'subscribe', id: 's' });
    const added = await api(server, 'POST', '/api/channels', { id: 'secretcam', source: secretSource, keepAlive: true });
    expect(added.status).toBe(201);
    seen.push(added.text);
    const viewer = await join(server, 'secretcam');
    // The source is a closed port: the probe fails, and its error text quotes the URL.
    const { frame } = await viewer.find((f) => f.kind === 'text' && f.msg.type === 'state' && f.msg.channel.error !== null, 0, 30_000);
    const info = (frame as { msg: { channel: ChannelInfo } }).msg.channel;
    expect(info.error?.message.length).toBeGreaterThan(0);
    console.log(`runtime source with credentials → ${info.error?.code}: ${info.error?.message}`);
    await dashboard.find((f) => f.kind === 'text' && f.msg.type === 'overview' && f.msg.channels.some((c) => c.id === 'secretcam'), 0, 10_000);
    for (const p of ['/api/channels', '/api/channels/secretcam', '/metrics']) seen.push((await api(server, 'GET', p)).text);
    seen.push(...texts(viewer), ...texts(dashboard));
    expect(seen.join('\n')).toContain('secretcam');
    expect(seen.flatMap(leaks)).toEqual([]);
    expect(server.raw.some((l) => l.includes('secretcam'))).toBe(true);
    expect(server.raw.flatMap(leaks)).toEqual([]);
    // …and the database keeps the source as it was given (local state).
    expect(server.app.store.channels.list().find((c) => c.id === 'secretcam')?.source).toBe(secretSource);
    viewer.close();
    dashboard.close();
  }, 60_000);

  it('a channel added at runtime survives a restart; one whose id a config channel took is skipped', async () => {
    expect((await api(server, 'POST', '/api/channels', { id: 'clash', source: 'clip.mp4' })).status).toBe(201);
    await server.close();
    server = await start({ mediaDir: media.dir, dataDir: data.dir, channels: [{ id: 'clash', source: `udp://127.0.0.1:${freshPort()}` }] });
    const listed = (await api(server, 'GET', '/api/channels')).json.channels as ChannelInfo[];
    const origins = Object.fromEntries(listed.map((c) => [c.id, c.origin]));
    expect(origins).toEqual({ test: 'builtin', clash: 'config', clip: 'media', movie: 'runtime', secretcam: 'runtime' });
    expect(server.raw.some((l) => l.includes('stored runtime channel skipped: its id is taken') && l.includes('clash'))).toBe(true);
    expect(listed.find((c) => c.id === 'secretcam')?.source).not.toMatch(new RegExp(SECRETS.join('|')));
    const c = await join(server, 'movie');
    await expectMedia(c, 'movie');
    c.close();
    // Still a runtime channel after the restart: it can be deleted.
    expect((await api(server, 'DELETE', '/api/channels/movie')).status).toBe(200);
    expect(server.raw.flatMap(leaks)).toEqual([]);
  }, 90_000);
});
