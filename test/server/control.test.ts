/**
 * Integration: control commands on the real server with the real ffmpeg. Two WebSocket clients
 * (a controller and a viewer) on a paced file channel; seeks open a new epoch whose first
 * fragment is a keyframe at or before the target; roles, bad commands and the HTTP API.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMELINE_BASE_SEC } from '../../server/channel/channel.js';
import { BoxSplitter } from '../../server/media/box-splitter.js';
import { parseInitSegment } from '../../server/media/init-info.js';
import { parseMoof } from '../../server/core/moof.js';
import type { ChannelInfo } from '../../server/core/protocol.js';
import { generateSample } from '../../server/sample-media.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, TestClient, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'controller-secret-1';
const CODECS = ['avc1.640028', 'mp4a.40.2'];

/** Media time (s) where a fragment's video starts, and whether it is a keyframe. */
function videoStart(fragment: Buffer, init: Buffer): { start: number; key: boolean } {
  const info = parseInitSegment(init);
  const moof = parseMoof(new BoxSplitter().push(fragment).find((b) => b.type === 'moof')!.data)!;
  const traf = moof.tracks.find((t) => t.trackId === info.videoTrackId)!;
  const timescale = info.tracks.find((t) => t.id === info.videoTrackId)!.timescale;
  return { start: traf.baseDecodeTime! / timescale, key: traf.firstSampleSync === true };
}

async function connect(server: TestServer, channel: string, token?: string): Promise<TestClient> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  await c.nextText('welcome');
  c.send({ type: 'hello', codecs: CODECS, ...(token ? { token } : {}) });
  await c.nextText('session');
  c.send({ type: 'join', channel });
  return c;
}

/**
 * The init segment of the first timeline whose epoch is at least `epoch`, and the fragment after
 * it. Searches the whole log: `mse`, `state` and `ack` may arrive in either order.
 */
async function timeline(c: TestClient, epoch = 0): Promise<{ epoch: number; init: Buffer; first: Buffer; index: number }> {
  const mse = await c.find((r) => r.kind === 'text' && r.msg.type === 'mse' && r.msg.epoch >= epoch);
  const init = await c.find((r) => r.kind === 'binary', mse.index + 1);
  const first = await c.find((r) => r.kind === 'binary', init.index + 1);
  const { msg } = mse.frame as { msg: { epoch: number } };
  return { epoch: msg.epoch, init: (init.frame as { data: Buffer }).data, first: (first.frame as { data: Buffer }).data, index: first.index };
}

/** The first `state` at or after index `from` that satisfies `ok`, with its index. */
async function stateWhere(c: TestClient, ok: (i: ChannelInfo) => boolean, from = 0): Promise<ChannelInfo & { index: number }> {
  const { frame, index } = await c.find((r) => r.kind === 'text' && r.msg.type === 'state' && ok(r.msg.channel), from);
  return { ...(frame as { msg: { channel: ChannelInfo } }).msg.channel, index };
}

const ackOf = (c: TestClient, id: string | number) => c.find((r) => r.kind === 'text' && r.msg.type === 'ack' && r.msg.id === id);

describe.skipIf(!ffmpeg)('control commands with the real ffmpeg', () => {
  let server: TestServer;
  const media = tempDir();

  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'movie.mp4'), durationSec: 30 });
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, controlToken: TOKEN });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    media.remove();
  });

  it('tells each session its role', async () => {
    for (const [token, role] of [[TOKEN, 'controller'], ['wrong-token', 'viewer'], [undefined, 'viewer']] as const) {
      const c = new TestClient(server.wsUrl);
      await c.open();
      await c.nextText('welcome');
      c.send({ type: 'hello', codecs: CODECS, ...(token ? { token } : {}) });
      expect((await c.nextText('session')).role).toBe(role);
      c.close();
    }
  });

  it.each([
    ['far: restarts ffmpeg at the target', 22.5],
    ['near: replays what the server holds', 0.5],
  ])('seek (%s) opens a new epoch for every viewer from a keyframe at or before the target', async (_name, target) => {
    const controller = await connect(server, 'movie', TOKEN);
    const viewer = await connect(server, 'movie');
    const t0 = await timeline(viewer);
    await new Promise((r) => setTimeout(r, 1_500)); // let the playhead move past 0.5 s

    controller.send({ type: 'seek', id: 's1', position: target });
    await ackOf(controller, 's1');
    const after = await stateWhere(viewer, (i) => i.epoch > t0.epoch);
    expect(after.epoch).toBe(t0.epoch + 1);
    expect(after.position).toBeCloseTo(target, 1);
    expect(after.mediaTime).toBeCloseTo(TIMELINE_BASE_SEC + target, 1);

    for (const c of [viewer, controller]) {
      const { init, first } = await timeline(c, after.epoch);
      const v = videoStart(first, init);
      expect(v.key).toBe(true);
      expect(v.start).toBeLessThanOrEqual(TIMELINE_BASE_SEC + target + 0.001);
      expect(v.start).toBeGreaterThan(TIMELINE_BASE_SEC + target - 1.1); // keyframes every second
    }
    controller.close();
    viewer.close();
  });

  it('refuses a viewer without the token and changes nothing', async () => {
    const viewer = await connect(server, 'movie');
    const before = await stateWhere(viewer, () => true);
    for (const cmd of [{ type: 'pause', id: 1 }, { type: 'seek', id: 2, position: 3 }, { type: 'play', id: 3 }, { type: 'subscribe', id: 4 }]) {
      viewer.send(cmd);
      const { frame } = await viewer.find((r) => r.kind === 'text' && r.msg.type === 'error' && r.msg.id === cmd.id);
      expect(frame).toMatchObject({ msg: { code: 'FORBIDDEN' } });
    }
    const res = await fetch(`${server.url}/api/channels/movie`);
    const now = (await res.json()) as ChannelInfo;
    expect(now.epoch).toBe(before.epoch);
    expect(now.playing).toBe(true);
    viewer.close();
  });

  it.each([
    [{ type: 'seek', id: 'a', position: -1 }, 'BAD_SEEK'],
    [{ type: 'seek', id: 'b', position: 30.5 }, 'BAD_SEEK'],
    [{ type: 'seek', id: 'c', position: '10' }, 'BAD_MESSAGE'],
    [{ type: 'seek', id: 'd' }, 'BAD_MESSAGE'],
    [{ type: 'seek', id: 'e', position: 1, channel: 'test' }, 'NOT_SEEKABLE'],
    [{ type: 'pause', id: 'f', channel: 'nope' }, 'UNKNOWN_CHANNEL'],
    [{ type: 'pause', id: 'g', extra: true }, 'BAD_MESSAGE'],
  ])('answers %j with %s', async (cmd, code) => {
    const controller = await connect(server, 'movie', TOKEN);
    const before = await stateWhere(controller, () => true);
    controller.send(cmd);
    const { frame } = await controller.find((r) => r.kind === 'text' && r.msg.type === 'error');
    expect(frame).toMatchObject({ msg: { code, id: cmd.id } });
    const now = (await (await fetch(`${server.url}/api/channels/movie`)).json()) as ChannelInfo;
    expect(now.epoch).toBe(before.epoch);
    controller.close();
  });

  it('pause stops the push and every viewer sees it; a late joiner starts paused; play resumes', async () => {
    const controller = await connect(server, 'movie', TOKEN);
    const viewer = await connect(server, 'movie');
    await timeline(viewer);
    controller.send({ type: 'pause', id: 'p' });
    await ackOf(controller, 'p');
    const paused = await stateWhere(viewer, (i) => !i.playing);
    // Whatever was already sent stays within the 1 s lead: over the next 1.5 s at most ~1 s more arrives.
    const mark = viewer.frames.length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(viewer.frames.slice(mark).filter((r) => r.kind === 'binary').length).toBeLessThanOrEqual(6);
    const late2 = await connect(server, 'movie');
    const joined = await stateWhere(late2, () => true);
    expect(joined.playing).toBe(false);
    expect(joined.mediaTime).toBeCloseTo(paused.mediaTime, 3);

    controller.send({ type: 'play', id: 'q' });
    await ackOf(controller, 'q');
    const resumed = await stateWhere(viewer, (i) => i.playing, paused.index);
    expect(resumed.mediaTime).toBeCloseTo(paused.mediaTime, 3);
    await viewer.find((r) => r.kind === 'binary', resumed.index, 3_000); // fragments flow again
    for (const c of [controller, viewer, late2]) c.close();
  });

  it('holds a live channel on pause and resumes it at the live edge on a new epoch', async () => {
    const controller = await connect(server, 'test', TOKEN);
    const t0 = await timeline(controller);
    controller.send({ type: 'pause', id: 1 });
    const paused = await stateWhere(controller, (i) => !i.playing);
    await new Promise((r) => setTimeout(r, 300)); // a fragment may be in flight
    const mark = controller.frames.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(controller.frames.slice(mark).filter((r) => r.kind === 'binary')).toEqual([]);
    expect(paused.index).toBeGreaterThan(0);
    controller.send({ type: 'play', id: 2 });
    const { init, first } = await timeline(controller, t0.epoch + 1);
    expect(videoStart(first, init).key).toBe(true);
    controller.close();
  });

  it('sends dashboards an overview of channels and viewers', async () => {
    const dash = new TestClient(server.wsUrl);
    await dash.open();
    await dash.nextText('welcome');
    dash.send({ type: 'hello', codecs: CODECS, token: TOKEN });
    const me = await dash.nextText('session');
    const viewer = await connect(server, 'movie');
    viewer.send({ type: 'report', mode: 'mse', delaySec: null, driftMs: 12.5, bufferSec: 0.9, droppedFrames: 3 });
    dash.send({ type: 'subscribe', id: 'sub' });
    await ackOf(dash, 'sub');
    for (;;) {
      const o = await dash.nextText('overview');
      expect(o.channels.map((c) => c.id)).toEqual(expect.arrayContaining(['test', 'movie']));
      expect(o.viewers.some((v) => v.sessionId === me.sessionId && v.role === 'controller')).toBe(true);
      const reported = o.viewers.find((v) => v.channel === 'movie' && v.report !== null);
      if (!reported) continue;
      expect(reported.report).toEqual({ mode: 'mse', delaySec: null, driftMs: 12.5, bufferSec: 0.9, droppedFrames: 3 });
      break;
    }
    dash.close();
    viewer.close();
  });

  describe('HTTP commands', () => {
    const post = (channel: string, body: unknown, token?: string) => fetch(`${server.url}/api/channels/${channel}/commands`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

    it.each([
      ['no token', 'movie', { type: 'pause' }, undefined, 401, 'FORBIDDEN'],
      ['wrong token', 'movie', { type: 'pause' }, 'nope', 403, 'FORBIDDEN'],
      ['unknown channel', 'nope', { type: 'pause' }, TOKEN, 404, 'UNKNOWN_CHANNEL'],
      ['bad JSON', 'movie', '{', TOKEN, 400, 'BAD_MESSAGE'],
      ['not a command', 'movie', { type: 'join', channel: 'movie' }, TOKEN, 400, 'BAD_MESSAGE'],
      ['seek past the end', 'movie', { type: 'seek', position: 99 }, TOKEN, 400, 'BAD_SEEK'],
      ['seek a live channel', 'test', { type: 'seek', position: 1 }, TOKEN, 409, 'NOT_SEEKABLE'],
      ['channel mismatch', 'movie', { type: 'pause', channel: 'test' }, TOKEN, 400, 'BAD_MESSAGE'],
      ['too large', 'movie', `{"type":"pause","pad":"${'x'.repeat(9000)}"}`, TOKEN, 413, 'BAD_MESSAGE'],
    ])('%s', async (_name, channel, body, token, status, code) => {
      const res = await post(channel, body, token);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    });

    it('applies a valid command and returns the new state', async () => {
      const res = await post('movie', { type: 'seek', position: 12 }, TOKEN);
      expect(res.status).toBe(200);
      const { channel } = (await res.json()) as { channel: ChannelInfo };
      expect(channel.position).toBeCloseTo(12, 1);
      const get = await fetch(`${server.url}/api/channels/movie/commands`);
      expect(get.status).toBe(405);
    });

    it('rate-limits a client that sends too many commands', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await post('movie', { type: i % 2 ? 'play' : 'pause' }, TOKEN)).status);
      expect(statuses).toContain(429);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      await post('movie', { type: 'play' }, TOKEN);
    });

    it('charges wrong tokens to the same limit: no guessing faster than commanding', async () => {
      await new Promise((r) => setTimeout(r, 2500)); // the previous test drained the bucket
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await post('movie', { type: 'pause' }, `guess-${i}-xxxxxxxx`)).status);
      expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
      expect(statuses).toContain(429);
      await new Promise((r) => setTimeout(r, 2500));
    });
  });

  it('rate-limits token guesses in hello on a WebSocket; the session stays a viewer', async () => {
    const c = new TestClient(server.wsUrl);
    await c.open();
    await c.nextText('welcome');
    for (let i = 0; i < 40; i++) c.send({ type: 'hello', codecs: CODECS, token: `guess-${i}-xxxxxxxx` });
    const limited = await c.find((r) => r.kind === 'text' && r.msg.type === 'error' && r.msg.code === 'RATE_LIMITED');
    expect(limited.index).toBeGreaterThan(0);
    const sessions = c.frames.filter((r) => r.kind === 'text' && r.msg.type === 'session');
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.length).toBeLessThan(40);
    for (const r of sessions) expect((r as { msg: { role: string } }).msg.role).toBe('viewer');
    c.close();
  });
});

describe.skipIf(!ffmpeg)('an idle file channel', () => {
  let server: TestServer;
  const media = tempDir();
  const channels = async (): Promise<ChannelInfo[]> => ((await (await fetch(`${server.url}/api/channels`)).json()) as { channels: ChannelInfo[] }).channels;
  const until = async (ok: (c: ChannelInfo) => boolean, timeoutMs = 10_000, id = 'clip'): Promise<ChannelInfo> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = (await channels()).find((x) => x.id === id);
      if (c && ok(c)) return c;
      if (Date.now() > deadline) throw new Error(`channel never matched: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'clip.mp4'), durationSec: 20 });
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'short.mp4'), durationSec: 2 });
    // A 3 s grace period after the last viewer leaves: long enough to act on a channel in it.
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, controlToken: TOKEN, testPattern: false, idleStopMs: 3000 });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    media.remove();
  });

  it('knows its duration before anyone watches, takes a seek, starts there, and keeps its codecs listed once idle again', async () => {
    const idle = await until((c) => c.duration !== null);
    expect(idle).toMatchObject({ status: 'idle', seekable: true, viewers: 0 });
    expect(idle.duration).toBeCloseTo(20, 0);

    const res = await fetch(`${server.url}/api/channels/clip/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'seek', position: 12 }),
    });
    expect(res.status).toBe(200);
    expect((await until((c) => c.position !== null && Math.abs(c.position - 12) < 0.01)).status).toBe('idle');

    const viewer = await connect(server, 'clip');
    const { init, first } = await timeline(viewer);
    const { start, key } = videoStart(first, init);
    expect(key).toBe(true);
    expect(start - TIMELINE_BASE_SEC).toBeGreaterThan(12 - 2); // a keyframe at most a GOP before the target
    expect(start - TIMELINE_BASE_SEC).toBeLessThanOrEqual(12 + 0.05);
    const running = await until((c) => c.status === 'running');
    expect(running.codecs.length).toBe(2);
    viewer.close();

    const again = await until((c) => c.status === 'idle' && c.viewers === 0);
    expect(again.codecs).toEqual(running.codecs);
    expect(again.mime).toBeNull();
  }, 30_000);

  const command = (body: object, id = 'clip') => fetch(`${server.url}/api/channels/${id}/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('stops where it was: the idle position is where the next viewer starts, and a pause while idle does not move it', async () => {
    await until((c) => c.status === 'idle');
    expect((await command({ type: 'seek', position: 2 })).status).toBe(200);
    const viewer = await connect(server, 'clip');
    await timeline(viewer);
    await new Promise((r) => setTimeout(r, 2500)); // plays ~2.5 s: at about 4.5
    viewer.close();
    const stopped = await until((c) => c.status === 'idle' && c.viewers === 0, 15_000);
    expect(stopped.position).toBeGreaterThan(3.5); // not the 2 of the last command
    expect(stopped.position).toBeLessThan(12); // 2 + ~3 s played + the 3 s grace + stopping ffmpeg
    await new Promise((r) => setTimeout(r, 1000));
    expect((await command({ type: 'pause' })).status).toBe(200);
    const paused = await until((c) => !c.playing);
    expect(paused.position).toBeCloseTo(stopped.position!, 2);

    // A joiner of the paused channel has a frame at the paused position: its first fragment
    // starts at or before it (a GOP cache would start at a keyframe up to the 1 s lead past it).
    const joiner = await connect(server, 'clip');
    const { init, first } = await timeline(joiner);
    const state = await stateWhere(joiner, (i) => i.status === 'running' && !i.playing);
    const { start } = videoStart(first, init);
    expect(start).toBeLessThanOrEqual(state.mediaTime + 0.001);
    const later = await connect(server, 'clip');
    const second = await timeline(later);
    expect(videoStart(second.first, second.init).start).toBeLessThanOrEqual(state.mediaTime + 0.001);
    expect((await command({ type: 'play' })).status).toBe(200);
    joiner.close();
    later.close();
  }, 40_000);

  it('a seek in the grace period after the last viewer left stops there, idle, and the next viewer starts at it', async () => {
    const viewer = await connect(server, 'clip');
    await timeline(viewer);
    await until((c) => c.status === 'running');
    viewer.close();
    await until((c) => c.viewers === 0);
    expect((await command({ type: 'seek', position: 15 })).status).toBe(200);
    const idle = await until((c) => c.status === 'idle', 5000);
    expect(idle.position).toBeCloseTo(15, 1);
    expect(idle.bitrate).toBeNull();
    const next = await connect(server, 'clip');
    const { init, first } = await timeline(next);
    const { start } = videoStart(first, init);
    expect(start - TIMELINE_BASE_SEC).toBeGreaterThan(15 - 2);
    expect(start - TIMELINE_BASE_SEC).toBeLessThanOrEqual(15 + 0.05);
    next.close();
  }, 30_000);

  it('a file that ends in the grace period after its last viewer left goes idle, not into error', async () => {
    const viewer = await connect(server, 'short');
    await timeline(viewer);
    viewer.close();
    // The 2 s file ends within the 3 s grace period; then the idle stop finds nothing to stop.
    await new Promise((r) => setTimeout(r, 4500));
    const c = await until(() => true, 1000, 'short');
    expect(c.status).toBe('idle');
    expect(c.error).toBeNull();
  }, 30_000);
});

describe.skipIf(!ffmpeg)('a file channel without ffprobe', () => {
  let server: TestServer;
  const media = tempDir();
  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'short.mp4'), durationSec: 2 });
    // No ffprobe: sources are transcoded and the file's length is unknown until it ends once.
    server = await startTestServer({ ...ffmpeg!, ffprobe: null }, { mediaDir: media.dir, testPattern: false });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    media.remove();
  });

  it('learns the length from its first run and loops on one timeline instead of failing at the end', async () => {
    const c = await connect(server, 'short');
    const { init, first, index } = await timeline(c);
    const start = videoStart(first, init).start;
    // 4.5 s of fragments: past the 2 s end, into the second loop.
    let last = start;
    const deadline = Date.now() + 4500;
    for (let i = index + 1; Date.now() < deadline; i++) {
      const { frame } = await c.find(() => true, i);
      if (frame.kind === 'text') expect(frame.msg.type).not.toBe('error');
      else if (new BoxSplitter().push(frame.data).some((b) => b.type === 'moof')) last = videoStart(frame.data, init).start;
    }
    expect(last - start).toBeGreaterThan(3);
    const info = ((await (await fetch(`${server.url}/api/channels`)).json()) as { channels: ChannelInfo[] }).channels.find((x) => x.id === 'short')!;
    expect(info.status).toBe('running');
    expect(info.duration).toBeCloseTo(2, 0);
    expect(info.error).toBeNull();
    c.close();
  }, 30_000);
});
