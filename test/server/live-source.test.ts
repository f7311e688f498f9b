/**
 * Integration: real live network sources. A second ffmpeg publishes H.264 (baseline, 2 s GOP) +
 * AAC, what a camera or encoder sends, and a pushcast channel reads it:
 *  - UDP MPEG-TS: the publisher sends, pushcast listens on `udp://127.0.0.1:<port>`;
 *  - SRT MPEG-TS: the publisher is the SRT listener, pushcast the caller.
 * An ffmpeg listener serves one client and ends, and pushcast connects twice (ffprobe, then
 * ffmpeg), so that publisher is restarted whenever it exits, as a real server keeps serving; the
 * SRT caller's handshake retries cover the gap. (RTMP is not here: ffmpeg's `-listen 1` RTMP
 * server refuses the second connection before it restarts, and no multi-client RTMP server is
 * available offline.)
 * Checks: the probe-based codec policy remuxes (the publisher's baseline profile survives; our
 * transcode would say High), viewers get mse → init → fragments from a keyframe, and the prft wall
 * clock puts the push well under a second behind. Then the publisher dies and the viewer is told.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoxSplitter } from '../../server/media/box-splitter.js';
import { parseMoof } from '../../server/core/moof.js';
import { readPrft } from '../../server/core/prft.js';
import type { ChannelInfo } from '../../server/core/protocol.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, TestClient, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
/** A port in the dynamic range, different on every run so parallel checkouts do not collide. */
const freshPort = (): number => 40_000 + Math.floor(Math.random() * 20_000);
const BASELINE_AAC = ['avc1.42C00D', 'avc1.42C015', 'avc1.42C01E', 'mp4a.40.2'];

const ENCODE = [
  '-hide_banner', '-loglevel', 'error', '-re',
  '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
  '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
  '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '50', '-pix_fmt', 'yuv420p',
  '-c:a', 'aac', '-b:a', '64k',
];

/** A publisher ffmpeg, restarted each time it exits (when `respawn`) until stop(). */
class Publisher {
  private child: ChildProcess | null = null;
  private stopped = false;
  constructor(private readonly bin: string, private readonly output: string[], private readonly respawn: boolean) {
    this.start();
  }
  private start(): void {
    if (this.stopped) return;
    const child = spawn(this.bin, [...ENCODE, ...this.output], { stdio: 'ignore' });
    this.child = child;
    child.once('exit', () => {
      if (this.respawn && this.child === child) setTimeout(() => this.start(), 50);
    });
  }
  stop(): void {
    this.stopped = true;
    this.child?.kill('SIGKILL');
  }
}

interface Case {
  name: string;
  source(port: number): string;
  publisher(port: number): string[];
  respawn: boolean;
}

const cases: Case[] = [
  {
    name: 'UDP MPEG-TS',
    source: (port) => `udp://127.0.0.1:${port}`,
    publisher: (port) => ['-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`],
    respawn: false,
  },
  {
    name: 'SRT MPEG-TS (pushcast calls the encoder)',
    source: (port) => `srt://127.0.0.1:${port}?mode=caller`,
    publisher: (port) => ['-f', 'mpegts', `srt://127.0.0.1:${port}?mode=listener&pkt_size=1316`],
    respawn: true,
  },
];

describe.skipIf(!ffmpeg).each(cases)('a live $name source', ({ source, publisher: output, respawn }) => {
  let server: TestServer;
  let publisher: Publisher;

  beforeAll(async () => {
    const port = freshPort();
    publisher = new Publisher(ffmpeg!.ffmpeg, output(port), respawn);
    server = await startTestServer(ffmpeg!, {
      testPattern: false,
      mediaDir: '/nonexistent-pushcast-media',
      restartMinMs: 300,
      restartMaxMs: 600,
      channels: [{ id: 'cam', source: source(port) }],
    });
  }, 60_000);
  afterAll(async () => {
    publisher?.stop();
    await server?.close();
  });

  async function join(): Promise<TestClient> {
    const c = new TestClient(server.wsUrl);
    await c.open();
    await c.nextText('welcome');
    c.send({ type: 'hello', codecs: BASELINE_AAC });
    c.send({ type: 'join', channel: 'cam' });
    return c;
  }

  it('remuxes it (no transcode) and pushes fragments from a keyframe, under a second behind the publisher', async () => {
    const joinedAt = Date.now();
    const c = await join();
    const mse = await c.nextText('mse', 30_000);
    console.log(`${source(0).split(':')[0]} live channel: join → mse in ${Date.now() - joinedAt} ms (one ffmpeg analysing; a GOP longer than its first window costs a second, longer try)`);
    // libx264 writes the constrained-baseline flag: avc1.42C0xx. Our transcode would say avc1.64….
    expect(mse.mime).toMatch(/avc1\.42[0-9A-F]{4}/i);
    expect(mse.mime).toMatch(/mp4a\.40\.2/);
    const init = await c.nextBinary();
    expect(new BoxSplitter().push(init).map((b) => b.type)).toEqual(['ftyp', 'moov']);

    const delays: number[] = [];
    for (let i = 0; i < 15; i++) {
      const boxes = new BoxSplitter().push(await c.nextBinary(10_000));
      const moof = boxes.find((b) => b.type === 'moof');
      expect(moof).toBeDefined();
      if (i === 0) expect(parseMoof(moof!.data)?.tracks.find((t) => t.trackId === 1)?.firstSampleSync).toBe(true);
      const prft = boxes.find((b) => b.type === 'prft');
      const wall = prft ? readPrft(prft.data)?.wallClockMs : undefined;
      // prft: when our ffmpeg wrote the fragment; arrival minus that is pushcast's own share of the delay.
      if (wall !== undefined) delays.push(Date.now() - wall);
    }
    expect(delays.length).toBeGreaterThan(10);
    expect(Math.max(...delays)).toBeLessThan(1000);
    c.close();
  }, 60_000);

  it('tells its viewer when the publisher stops, and keeps the server up', async () => {
    const c = await join();
    await c.nextText('mse', 30_000);
    publisher.stop();
    // The first failure puts the channel in `retrying` (with the error and the next retry time);
    // `error` comes only after maxStartAttempts failures in a row.
    const { frame } = await c.find((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'retrying', 0, 40_000);
    const info = (frame as { msg: { channel: ChannelInfo } }).msg.channel;
    expect(info.attempt).toBeGreaterThanOrEqual(1);
    expect(info.nextRetryAt).toBeGreaterThan(info.serverTime - 1);
    expect(info.error?.code).toMatch(/^(FFMPEG_EXIT|SOURCE_UNAVAILABLE|BAD_STREAM)$/);
    expect(info.error?.message.length).toBeGreaterThan(0);
    // The decoder's chatter from joining mid-GOP is not what the viewer needs to read.
    expect(info.error?.message).not.toMatch(/non-existing PPS|decode_slice_header/);
    console.log(`publisher stopped → ${info.error?.code}: ${info.error?.message}`);
    expect((await fetch(`${server.url}/api/channels`)).status).toBe(200);
    c.close();
  }, 60_000);
});
