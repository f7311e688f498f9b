/**
 * Integration (real server, real ffmpeg): damaged input never takes the server down.
 * - a file whose media data is garbled (seeded random bytes over 1 % of the mdat), remuxed and
 *   transcoded: media keeps flowing;
 * - a file whose index (moov) is garbled: the channel fails and retries, or plays what it can;
 * - a live MPEG-TS feed over HTTP that drops 3 % of its 188-byte packets: media keeps flowing.
 * After all of them the server still answers and other channels still play.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoxSplitter } from '../../../server/media/box-splitter.js';
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { generateSample } from '../../../server/sample-media.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { mediaChildren } from '../../helpers/processes.js';
import { startTestServer, tempDir, TestClient, type TestServer } from '../../helpers/server.js';
import { seededRandom } from '../../helpers/random.js';

const run = promisify(execFile);
const ffmpeg = await findTestFfmpeg();
const KNOWN_STATUSES = ['idle', 'starting', 'running', 'retrying', 'stopping', 'error'];

/** Reproducible randomness: test/helpers/random.ts. */
const prng = seededRandom;

/** Offset and size of the first top-level box of `type`. */
function findBox(data: Buffer, type: string): { at: number; size: number } {
  let at = 0;
  for (const box of new BoxSplitter().push(data)) {
    if (box.type === type) return { at, size: box.data.length };
    at += box.data.length;
  }
  throw new Error(`no ${type} box`);
}

/** Overwrites `fraction` of the bytes in [from, to) with random ones (after the first 64 bytes of the range). */
function garble(data: Buffer, from: number, to: number, fraction: number, seed: number): Buffer {
  const out = Buffer.from(data);
  const rnd = prng(seed);
  const n = Math.floor((to - from) * fraction);
  for (let i = 0; i < n; i++) out[from + 64 + Math.floor(rnd() * (to - from - 64))] = Math.floor(rnd() * 256);
  return out;
}

async function joined(server: TestServer, channel: string): Promise<TestClient> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  await c.nextText('welcome');
  c.send({ type: 'hello', codecs: ['avc1.640028', 'avc1.4D401E', 'avc1.42E01E', 'mp4a.40.2'] });
  c.send({ type: 'join', channel });
  return c;
}

/** Media fragments the client got in the `ms` after its first init segment. */
async function fragmentsWithin(c: TestClient, ms: number): Promise<number> {
  await c.nextText('mse', 30_000);
  await c.nextBinary(20_000);
  const start = Date.now();
  let count = 0;
  while (Date.now() - start < ms) {
    try {
      const r = await c.next(Math.max(1, ms - (Date.now() - start)));
      if (r.kind === 'binary' && new BoxSplitter().push(r.data).some((b) => b.type === 'moof')) count++;
    } catch {
      break; // nothing more within the window
    }
  }
  return count;
}

describe.skipIf(!ffmpeg)('damaged sources', () => {
  const media = tempDir();
  const mediaDir = path.join(media.dir, 'media');
  const tsFile = path.join(media.dir, 'live.ts');
  let server: TestServer;
  let origin: http.Server;

  beforeAll(async () => {
    const clip = path.join(media.dir, 'clip.mp4');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: clip, durationSec: 20 });
    const data = readFileSync(clip);
    const mdat = findBox(data, 'mdat');
    const moov = findBox(data, 'moov');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(mediaDir, 'healthy.mp4'), durationSec: 10 });
    writeFileSync(path.join(media.dir, 'garbled.mp4'), garble(data, mdat.at, mdat.at + mdat.size, 0.01, 42));
    writeFileSync(path.join(media.dir, 'bad-index.mp4'), garble(data, moov.at, moov.at + moov.size, 0.2, 7));
    await run(ffmpeg!.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=30', '-f', 'lavfi', '-i', 'sine=sample_rate=48000:duration=30',
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-f', 'mpegts', tsFile,
    ]);
    const ts = readFileSync(tsFile);
    const bytesPerSec = ts.length / 30;
    // The live feed: real-time pace after a 2 s burst, 3 % of the TS packets lost on the way.
    origin = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'video/mp2t' });
      const rnd = prng(1234);
      const began = Date.now();
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.min(ts.length, Math.floor((bytesPerSec * (2 + (Date.now() - began) / 1000)) / 188) * 188);
        const kept: Buffer[] = [];
        for (let at = sent; at < due; at += 188) if (rnd() >= 0.03) kept.push(ts.subarray(at, at + 188));
        if (kept.length) res.write(Buffer.concat(kept));
        sent = due;
        if (sent >= ts.length) res.end();
      }, 40);
      res.on('close', () => clearInterval(timer));
      res.on('error', () => {});
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = (origin.address() as AddressInfo).port;
    server = await startTestServer(ffmpeg!, {
      testPattern: false, mediaDir, restartMinMs: 300, restartMaxMs: 1000,
      channels: [
        { id: 'garbled', source: path.join(media.dir, 'garbled.mp4') },
        { id: 'garbled-x264', source: path.join(media.dir, 'garbled.mp4'), transcode: 'always' },
        { id: 'bad-index', source: path.join(media.dir, 'bad-index.mp4') },
        { id: 'lossy', source: `http://127.0.0.1:${port}/live.ts` },
      ],
    });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    origin?.closeAllConnections();
    origin?.close();
    media.remove();
    expect(mediaChildren()).toEqual([]);
  });

  async function alive(): Promise<void> {
    const res = await fetch(`${server.url}/api/channels`);
    expect(res.status).toBe(200);
    const { channels } = (await res.json()) as { channels: ChannelInfo[] };
    for (const ch of channels) expect(KNOWN_STATUSES).toContain(ch.status);
  }

  it.each([
    ['garbled media data, remuxed', 'garbled'],
    ['garbled media data, transcoded (the decoder meets the damage)', 'garbled-x264'],
    ['a live feed that drops 3 % of its packets', 'lossy'],
  ])('%s: media keeps flowing and the server stays up', async (_name, id) => {
    const c = await joined(server, id);
    const count = await fragmentsWithin(c, 6000);
    console.log(`${id}: ${count} fragments in 6 s`);
    // 200 ms fragments (or one per 1 s GOP for the remuxed feed): at least 6 in 6 s, at a real-time pace.
    expect(count).toBeGreaterThanOrEqual(6);
    c.close();
    await alive();
  }, 60_000);

  it('a garbled index: the channel fails and retries (or plays what it can); the server stays up', async () => {
    const c = await joined(server, 'bad-index');
    await new Promise((r) => setTimeout(r, 4000));
    const info = server.app.channels.get('bad-index')!.info();
    console.log(`bad-index: ${info.status}, attempt ${info.attempt}, ${info.error?.code ?? 'no error'}: ${info.error?.message.slice(0, 120) ?? ''}`);
    if (info.status !== 'running') expect(info.error?.code).toMatch(/^(SOURCE_UNAVAILABLE|FFMPEG_EXIT|BAD_STREAM)$/);
    c.close();
    await alive();
    // Another channel still plays.
    const h = await joined(server, 'healthy');
    await h.nextText('mse', 20_000);
    expect(new BoxSplitter().push(await h.nextBinary()).map((b) => b.type)).toEqual(['ftyp', 'moov']);
    h.close();
  }, 60_000);
});
