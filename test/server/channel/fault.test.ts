/**
 * Fault tests (issue 9, "Sources"), real server, real ffmpeg, real sockets:
 * - SIGKILL the channel's ffmpeg mid-stream, ten times in a row: each time the connected viewer
 *   gets a new epoch (mse + init) and media again within 3 s, without reconnecting. Default
 *   restartMinMs (1 s): a crash after a run that produced media is retried after restartMinMs.
 * - A live source that stops sending (its HTTP connection stays open): ffmpeg's silence past
 *   stallTimeoutMs stops it, the channel retries, and the viewer gets the new epoch.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../server/runtime/config.js';
import { BoxSplitter } from '../../../server/media/box-splitter.js';
import { parseMoof } from '../../../server/core/moof.js';
import type { ChannelInfo, ServerMessage } from '../../../server/core/protocol.js';
import { generateSample } from '../../../server/sample-media.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { mediaChildren } from '../../helpers/processes.js';
import { startTestServer, tempDir, TestClient, type Received, type TestServer } from '../../helpers/server.js';

const run = promisify(execFile);
const ffmpeg = await findTestFfmpeg();
const CODECS = ['avc1.640028', 'avc1.4D4028', 'avc1.42E01E', 'mp4a.40.2'];

async function joined(server: TestServer, channel: string): Promise<TestClient> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  await c.nextText('welcome');
  c.send({ type: 'hello', codecs: CODECS });
  c.send({ type: 'join', channel });
  return c;
}

const isMse = (after: number) => (r: Received): boolean => r.kind === 'text' && r.msg.type === 'mse' && r.msg.epoch > after;
const isBinary = (r: Received): boolean => r.kind === 'binary';
const text = (r: Received): ServerMessage => (r as { msg: ServerMessage }).msg;

function isKeyframeFragment(data: Buffer): boolean {
  const moof = new BoxSplitter().push(data).find((b) => b.type === 'moof');
  return moof ? parseMoof(moof.data)?.tracks.find((t) => t.trackId === 1)?.firstSampleSync === true : false;
}

/** The next epoch after `epoch` from index `from` on: its mse, its init, its first media fragment. */
async function nextEpoch(c: TestClient, epoch: number, from: number, timeoutMs: number): Promise<{ epoch: number; mediaAt: number; media: Buffer; index: number }> {
  const mse = await c.find(isMse(epoch), from, timeoutMs);
  const init = await c.find(isBinary, mse.index + 1, timeoutMs);
  expect(new BoxSplitter().push((init.frame as { data: Buffer }).data).map((b) => b.type)).toEqual(['ftyp', 'moov']);
  const media = await c.find(isBinary, init.index + 1, timeoutMs);
  const frame = media.frame as { data: Buffer; at: number };
  return { epoch: (text(mse.frame) as { epoch: number }).epoch, mediaAt: frame.at, media: frame.data, index: media.index };
}

describe.skipIf(!ffmpeg)('channel faults', () => {
  const media = tempDir();
  const mediaDir = path.join(media.dir, 'media');
  const tsFile = path.join(media.dir, 'live.ts');
  const TS_SECONDS = 40;

  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(mediaDir, 'clip.mp4'), durationSec: 30 });
    // A live feed's bytes: H.264 (1 s GOP) + AAC in MPEG-TS, what a camera or encoder sends.
    await run(ffmpeg!.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${TS_SECONDS}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${TS_SECONDS}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-g', '25', '-sc_threshold', '0',
      '-c:a', 'aac', '-b:a', '96k', '-f', 'mpegts', tsFile,
    ]);
  }, 180_000);
  afterAll(() => media.remove());

  it('SIGKILL of the ffmpeg mid-stream, 10 times: the viewer gets media again within 3 s each time', async () => {
    expect(DEFAULTS.restartMinMs).toBe(1000); // the default, not lowered for this test
    const server = await startTestServer(ffmpeg!, { testPattern: false, mediaDir });
    const c = await joined(server, 'clip');
    const channel = server.app.channels.get('clip')!;
    const spawns: boolean[] = [];
    channel.on('spawn', ({ restart }) => spawns.push(restart));
    try {
      let { epoch, index } = await nextEpoch(c, -1, 0, 20_000);
      const recoveries: number[] = [];
      for (let i = 0; i < 10; i++) {
        // A healthy run: fragments flowing, attempt back at 0.
        await c.find(isBinary, index + 1, 10_000);
        expect(channel.info()).toMatchObject({ status: 'running', attempt: 0 });
        const pid = channel.ffmpegPid;
        expect(pid).not.toBeNull();
        expect(server.app.channels.children.list().filter((p) => p.kind === 'ffmpeg').map((p) => p.pid)).toEqual([pid]);
        const from = c.frames.length;
        const killedAt = Date.now();
        process.kill(pid!, 'SIGKILL');
        const next = await nextEpoch(c, epoch, from, 10_000);
        recoveries.push(next.mediaAt - killedAt);
        expect(isKeyframeFragment(next.media)).toBe(true);
        expect(channel.ffmpegPid).not.toBe(pid);
        ({ epoch, index } = next);
      }
      console.log(`SIGKILL → media again after ${recoveries.join(', ')} ms (max ${Math.max(...recoveries)})`);
      expect(recoveries.filter((ms) => ms < 3000)).toHaveLength(10);
      // The viewer heard about each crash (error) and saw the supervision state go through retrying.
      const errors = c.frames.filter((r) => r.kind === 'text' && r.msg.type === 'error').map((r) => text(r) as { code: string; message: string });
      expect(errors).toHaveLength(10);
      expect(errors.every((e) => e.code === 'FFMPEG_EXIT' && /killed with signal SIGKILL/.test(e.message))).toBe(true);
      const retrying = c.frames.filter((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'retrying');
      expect(retrying.length).toBeGreaterThanOrEqual(10);
      expect(spawns).toEqual([false, ...Array<boolean>(10).fill(true)]);
    } finally {
      c.close();
      await server.close();
    }
    expect(mediaChildren()).toEqual([]);
  }, 90_000);

  it('a live source that goes silent is stopped after stallTimeoutMs and retried; the viewer gets the new epoch', async () => {
    const data = readFileSync(tsFile);
    const bytesPerSec = data.length / TS_SECONDS;
    const open = new Set<{ frozen: boolean }>();
    // Streams the TS like a live encoder: a 2 s burst, then real time; no Content-Length.
    const origin = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'video/mp2t' });
      const conn = { frozen: false };
      open.add(conn);
      const began = Date.now();
      let sent = 0;
      const timer = setInterval(() => {
        if (conn.frozen) return; // connection open, nothing sent: what a hung source looks like
        const due = Math.min(data.length, Math.floor(bytesPerSec * (2 + (Date.now() - began) / 1000)));
        if (due > sent) res.write(data.subarray(sent, due));
        sent = due;
        if (sent >= data.length) res.end();
      }, 40);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(conn);
      });
      res.on('error', () => {});
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/live.ts`;
    const server = await startTestServer(ffmpeg!, {
      testPattern: false, mediaDir: path.join(media.dir, 'none'), stallTimeoutMs: 1500,
      channels: [{ id: 'cam', source: url }],
    });
    const c = await joined(server, 'cam');
    try {
      const first = await nextEpoch(c, -1, 0, 30_000);
      await c.find(isBinary, first.index + 1, 10_000);
      const from = c.frames.length;
      for (const conn of open) conn.frozen = true;
      const frozenAt = Date.now();
      const err = await c.find((r) => r.kind === 'text' && r.msg.type === 'error', from, 20_000);
      const stalledAfter = Date.now() - frozenAt;
      expect(text(err.frame)).toMatchObject({ code: 'FFMPEG_EXIT', message: expect.stringMatching(/stalled: no output from ffmpeg for 1500 ms/) });
      const state = await c.find((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'retrying', from, 5000);
      const info = (text(state.frame) as { channel: ChannelInfo }).channel;
      expect(info.attempt).toBe(1);
      expect(info.error?.message).toMatch(/stalled/);
      const second = await nextEpoch(c, first.epoch, err.index, 30_000);
      expect(isKeyframeFragment(second.media)).toBe(true);
      console.log(`silent live source: error after ${stalledAfter} ms, media again ${second.mediaAt - frozenAt} ms after the freeze`);
      // Stall detection: buffered bytes run out, then 1.5 s of silence (well before ffmpeg's own 10 s timeout).
      expect(stalledAfter).toBeLessThan(8000);
      expect(server.app.channels.get('cam')!.info().status).toBe('running');
    } finally {
      c.close();
      await server.close();
      origin.closeAllConnections();
      origin.close();
    }
    expect(mediaChildren()).toEqual([]);
  }, 90_000);
});
