/**
 * Integration: the real app on a random port, the real ffmpeg, a real WebSocket client.
 * Covers the live-push path end to end on the wire (no browser): mse → init → fragments from a
 * keyframe, bytes that ffmpeg decodes, error codes for bad input, and failing sources.
 */
import { execFile } from 'node:child_process';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMoof } from '../../server/core/moof.js';
import { readPrft } from '../../server/core/prft.js';
import { BoxSplitter } from '../../server/media/box-splitter.js';
import { generateSample } from '../../server/sample-media.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, TestClient, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ffmpeg = await findTestFfmpeg();
const H264_AAC = ['avc1.640028', 'avc1.4D4028', 'avc1.42E01E', 'mp4a.40.2'];

/** Top-level box types of a buffer, in order. */
function boxTypes(data: Buffer): string[] {
  return new BoxSplitter().push(data).map((b) => b.type);
}

/** True when the fragment's video track (the first traf with a keyframe flag) starts with a sync sample. */
function startsWithKeyframe(fragment: Buffer): boolean {
  const moofBox = new BoxSplitter().push(fragment).find((b) => b.type === 'moof');
  const moof = moofBox ? parseMoof(moofBox.data) : null;
  // Track 1 is video in everything pushcast produces (ffmpeg maps video first).
  return moof?.tracks.find((t) => t.trackId === 1)?.firstSampleSync === true;
}

async function joined(server: TestServer, channel: string, codecs = H264_AAC): Promise<TestClient> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  await c.nextText('welcome');
  c.send({ type: 'hello', codecs });
  c.send({ type: 'join', channel, id: 'j1' });
  return c;
}

describe.skipIf(!ffmpeg)('server with the real ffmpeg', () => {
  let server: TestServer;
  const media = tempDir();

  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'clip.mp4'), durationSec: 4 });
    server = await startTestServer(ffmpeg!, {
      mediaDir: media.dir,
      channels: [
        { id: 'missing', source: path.join(media.dir, 'no-such-file.mp4') },
        { id: 'refused', source: 'http://127.0.0.1:9/stream.ts' },
      ],
      // Failing sources reach `error` after this many failed starts (retrying before).
      maxStartAttempts: 2,
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    media.remove();
  });

  it('lists the test pattern, the media files and configured channels', async () => {
    const res = await fetch(`${server.url}/api/channels`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { channels: Array<{ id: string; kind: string }> };
    expect(body.channels.map((c) => [c.id, c.kind])).toEqual([
      ['test', 'test'], ['missing', 'file'], ['refused', 'live'], ['clip', 'file'],
    ]);
  });

  it.each(['test', 'clip'])('pushes mse, init, then fragments from a keyframe that ffmpeg decodes (%s)', async (channel) => {
    const c = await joined(server, channel);
    const ack = await c.nextText('ack');
    expect(ack.id).toBe('j1');
    const mse = await c.nextText('mse');
    expect(mse.channel).toBe(channel);
    expect(mse.mime).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-fA-F]{6},mp4a\.40\.2"$/);
    const init = await c.nextBinary();
    expect(boxTypes(init)).toEqual(['ftyp', 'moov']);

    const fragments: Buffer[] = [];
    while (fragments.length < 12) fragments.push(await c.nextBinary());
    c.close();
    expect(startsWithKeyframe(fragments[0]!)).toBe(true);
    for (const f of fragments) {
      expect(boxTypes(f)).toEqual(['prft', 'moof', 'mdat']);
      const prft = readPrft(f);
      // The producer reference time is the server's wall clock when ffmpeg wrote the fragment.
      expect(Math.abs(Date.now() - prft!.wallClockMs)).toBeLessThan(60_000);
    }

    const dir = tempDir();
    const file = path.join(dir.dir, 'received.mp4');
    writeFileSync(file, Buffer.concat([init, ...fragments]));
    const { stderr } = await run(ffmpeg!.ffmpeg, ['-v', 'error', '-i', file, '-f', 'null', '-']);
    dir.remove();
    expect(stderr).toBe('');
  });

  it('gives a late joiner the init segment and the GOP cache, starting at a keyframe', async () => {
    const first = await joined(server, 'test');
    await first.nextText('mse');
    await first.nextBinary();
    for (let i = 0; i < 8; i++) await first.nextBinary(); // the channel is well past its first keyframe
    const late = await joined(server, 'test');
    const mse = await late.nextText('mse');
    expect(mse.epoch).toBeGreaterThan(0);
    expect(boxTypes(await late.nextBinary())).toEqual(['ftyp', 'moov']);
    expect(startsWithKeyframe(await late.nextBinary())).toBe(true);
    first.close();
    late.close();
  });

  it('answers bad input with stable codes and leaves other viewers untouched', async () => {
    const watcher = await joined(server, 'test');
    await watcher.nextText('mse');
    await watcher.nextBinary();
    const rude = new TestClient(server.wsUrl);
    await rude.open();
    await rude.nextText('welcome');
    const cases: Array<[unknown, string]> = [
      ['{not json', 'BAD_MESSAGE'],
      ['[1,2]', 'BAD_MESSAGE'],
      [{ type: 'teleport' }, 'UNKNOWN_TYPE'],
      [{ type: 'join' }, 'BAD_MESSAGE'],
      [{ type: 'join', channel: '../etc' }, 'BAD_MESSAGE'],
      [{ type: 'join', channel: 'nope' }, 'UNKNOWN_CHANNEL'],
      [{ type: 'leave' }, 'NOT_JOINED'],
      [{ type: 'hello', codecs: 'avc1' }, 'BAD_MESSAGE'],
      ['x'.repeat(20_000), 'BAD_MESSAGE'],
    ];
    for (const [frame, code] of cases) {
      rude.send(frame);
      const err = await rude.nextText('error');
      expect(err.code, JSON.stringify(frame).slice(0, 60)).toBe(code);
      expect(err.message.length).toBeGreaterThan(0);
    }
    rude.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await rude.nextText('error')).code).toBe('BAD_MESSAGE');
    rude.send({ type: 'ping', t0: 123 });
    const pong = await rude.nextText('pong');
    expect(pong.t0).toBe(123);
    expect(pong.t2).toBeGreaterThanOrEqual(pong.t1);
    rude.close();

    // The other viewer kept receiving media throughout and still does.
    watcher.drain();
    const more = await watcher.nextBinary();
    expect(boxTypes(more)).toEqual(['prft', 'moof', 'mdat']);
    watcher.close();
  });

  it('refuses media a browser reported it cannot decode', async () => {
    const c = await joined(server, 'test', ['mp4a.40.2']);
    const err = await c.nextText('error');
    expect(err.code).toBe('UNSUPPORTED_CODEC');
    expect(err.message).toMatch(/avc1/);
    c.close();
  });

  it.each([
    ['missing', /No such file or directory/],
    ['refused', /Connection refused/i],
  ])('puts a channel whose source cannot start (%s) in the error state and tells its viewers', async (channel, why) => {
    const c = await joined(server, channel);
    const err = await c.nextText('error', 30_000);
    expect(['SOURCE_UNAVAILABLE', 'FFMPEG_EXIT']).toContain(err.code);
    expect(err.message).toMatch(why);
    let state = await c.nextText('state');
    while (state.channel.status !== 'error') state = await c.nextText('state');
    expect(state.channel.error?.message).toMatch(why);
    c.close();
    // The server is still up and other channels still work.
    const res = await fetch(`${server.url}/api/channels/test`);
    expect(res.status).toBe(200);
  });

  it('tells viewers when a running source dies, then restarts it on a new timeline', async () => {
    // A 4 s clip over plain HTTP: ffmpeg plays it once at real-time pace, then the source is gone.
    const clip = path.join(media.dir, 'clip.mp4');
    const origin = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': statSync(clip).size });
      createReadStream(clip).pipe(res);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = (origin.address() as AddressInfo).port;
    const dying = await startTestServer(ffmpeg!, {
      testPattern: false, mediaDir: path.join(media.dir, 'none'), restartMinMs: 200, restartMaxMs: 400,
      channels: [{ id: 'remote', source: `http://127.0.0.1:${port}/clip.mp4` }],
    });
    try {
      const c = await joined(dying, 'remote');
      const first = await c.nextText('mse');
      const err = await c.nextText('error', 20_000);
      expect(err.code).toBe('FFMPEG_EXIT');
      const second = await c.nextText('mse', 20_000);
      expect(second.epoch).toBe(first.epoch + 1);
      expect(boxTypes(await c.nextBinary())).toEqual(['ftyp', 'moov']);
      expect(startsWithKeyframe(await c.nextBinary())).toBe(true);
      c.close();
    } finally {
      await dying.close();
      origin.close();
    }
  });

  it('loops a file channel on one continuous timeline, paced at real time', async () => {
    // clip.mp4 is 4 s long: 7 s of fragments cross the loop point once.
    const c = await joined(server, 'clip');
    const mse = await c.nextText('mse');
    await c.nextBinary();
    const starts: number[] = [];
    /** The shared playhead from every `state`: [server time, where the channel is then]. */
    const clock: Array<[number, number]> = [];
    const began = Date.now();
    while (Date.now() - began < 7_000) {
      const r = await c.next();
      if (r.kind === 'text' && r.msg.type === 'mse') expect(r.msg.epoch).toBe(mse.epoch); // a re-init at most, never a new epoch
      // From the first fragment on: the clock is anchored when the first fragment is released.
      if (r.kind === 'text' && r.msg.type === 'state' && starts.length > 0) {
        const ch = r.msg.channel;
        clock.push([ch.serverTime, ch.mediaTime + (ch.playing ? (ch.serverTime - ch.positionAt) / 1000 : 0)]);
      }
      if (r.kind !== 'binary' || boxTypes(r.data)[1] !== 'moof') continue;
      const moof = parseMoof(new BoxSplitter().push(r.data).find((b) => b.type === 'moof')!.data)!;
      const video = moof.tracks.find((t) => t.trackId === 1);
      if (video?.baseDecodeTime != null) starts.push(video.baseDecodeTime / 15_360); // the sample's video timescale
    }
    c.close();
    // Continuous: each video fragment starts where the previous one ended (≈ 0.2 s; a file's last
    // fragment may run to 0.4 s), across the loop: nothing lost, nothing repeated.
    for (let i = 1; i < starts.length; i++) {
      const step = starts[i]! - starts[i - 1]!;
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThan(0.45);
    }
    const span = starts.at(-1)! - starts[0]!;
    expect(span).toBeGreaterThan(5.5); // crossed the 4 s loop point: the timeline went on
    // The shared playhead runs on through the loop too: it advances with the server's clock and
    // never jumps back (a loop's restart once re-anchored it to the previous command's position,
    // sending every viewer back by however long the channel had played).
    expect(clock.length).toBeGreaterThan(5);
    for (let i = 1; i < clock.length; i++) {
      const [t0, m0] = clock[i - 1]!;
      const [t1, m1] = clock[i]!;
      expect(Math.abs(m1 - m0 - (t1 - t0) / 1000)).toBeLessThan(0.05);
    }
    // Paced: 7 s of wall time carry about 7 s of media, plus the 1 s lead and the GOP cache a
    // joiner of a running channel starts with (≤ 1 s: the clip's keyframes are 1 s apart), not
    // the whole file at once.
    expect(span).toBeLessThan(9.5);
  });

  it('answers unknown API paths and methods with JSON errors', async () => {
    const missing = await fetch(`${server.url}/api/channels/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_CHANNEL');
    const put = await fetch(`${server.url}/api/channels`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    // POST adds a channel at runtime (api/channels.ts): a controller's route.
    const post = await fetch(`${server.url}/api/channels`, { method: 'POST' });
    expect(post.status).toBe(401);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });
});
