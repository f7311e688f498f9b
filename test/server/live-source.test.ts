/**
 * Integration: a real live network source. A second ffmpeg publishes an MPEG-TS stream (H.264
 * baseline with a 2 s GOP + AAC, what a camera or encoder sends) over UDP on loopback; a pushcast channel reads
 * `udp://127.0.0.1:<port>`. Checks that the probe-based codec policy remuxes it (the publisher's
 * baseline profile survives: a transcode would produce libx264's High profile), that viewers get
 * mse → init → fragments from a keyframe, and that the prft wall clock puts the push well under a
 * second behind the publisher. Then the publisher dies and the channel says so to its viewer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoxSplitter } from '../../server/media/box-splitter.js';
import { parseMoof } from '../../server/media/moof.js';
import { readPrft } from '../../server/media/prft.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, TestClient, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
// A port in the dynamic range, different on every run so parallel checkouts do not collide.
const PORT = 40_000 + Math.floor(Math.random() * 20_000);

function publish(bin: string, port: number): ChildProcess {
  return spawn(bin, [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '50', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k',
    '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe.skipIf(!ffmpeg)('a live UDP MPEG-TS source', () => {
  let server: TestServer;
  let publisher: ChildProcess;

  beforeAll(async () => {
    publisher = publish(ffmpeg!.ffmpeg, PORT);
    server = await startTestServer(ffmpeg!, {
      testPattern: false,
      mediaDir: '/nonexistent-pushcast-media',
      restartMinMs: 300,
      restartMaxMs: 600,
      channels: [{ id: 'cam', source: `udp://127.0.0.1:${PORT}` }],
    });
  }, 60_000);
  afterAll(async () => {
    publisher?.kill('SIGKILL');
    await server?.close();
  });

  it('remuxes it (no transcode) and pushes fragments from a keyframe, under a second behind the publisher', async () => {
    const c = new TestClient(server.wsUrl);
    await c.open();
    await c.nextText('welcome');
    c.send({ type: 'hello', codecs: ['avc1.42C00D', 'avc1.42C015', 'avc1.42C01E', 'avc1.640028', 'mp4a.40.2'] });
    const joinedAt = Date.now();
    c.send({ type: 'join', channel: 'cam' });
    const mse = await c.nextText('mse', 30_000);
    console.log(`udp live channel: join → mse in ${Date.now() - joinedAt} ms (probe + ffmpeg's analysis)`);
    // libx264 writes the constrained-baseline flag: avc1.42C0xx. Our transcode would say avc1.64….
    expect(mse.mime).toMatch(/avc1\.42[0-9A-F]{4}/i);
    expect(mse.mime).toMatch(/mp4a\.40\.2/);
    const init = await c.nextBinary();
    expect(new BoxSplitter().push(init).map((b) => b.type)).toEqual(['ftyp', 'moov']);

    const delays: number[] = [];
    let first = true;
    for (let i = 0; i < 15; i++) {
      const fragment = await c.nextBinary(10_000);
      const boxes = new BoxSplitter().push(fragment);
      const moof = boxes.find((b) => b.type === 'moof');
      expect(moof).toBeDefined();
      if (first) {
        expect(parseMoof(moof!.data)?.tracks.find((t) => t.trackId === 1)?.firstSampleSync).toBe(true);
        first = false;
      }
      const prft = boxes.find((b) => b.type === 'prft');
      const wall = prft ? readPrft(prft.data)?.wallClockMs : undefined;
      // prft: when ffmpeg wrote the fragment; arrival minus that is pushcast's own share of the delay.
      if (wall !== undefined) delays.push(Date.now() - wall);
    }
    expect(delays.length).toBeGreaterThan(10);
    const worst = Math.max(...delays);
    expect(worst).toBeLessThan(1000);
    c.close();
  }, 60_000);

  it('tells its viewer when the publisher stops, and keeps the server up', async () => {
    const c = new TestClient(server.wsUrl);
    await c.open();
    await c.nextText('welcome');
    c.send({ type: 'hello', codecs: ['avc1.42C00D', 'avc1.42C015', 'avc1.42C01E', 'mp4a.40.2'] });
    c.send({ type: 'join', channel: 'cam' });
    await c.nextText('mse', 30_000);
    publisher.kill('SIGKILL');
    const state = await c.find((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'error', 0, 40_000);
    const info = (state.frame as { msg: { channel: { error: { code: string; message: string } | null } } }).msg.channel;
    expect(info.error?.code).toMatch(/FFMPEG_EXIT|SOURCE_UNAVAILABLE|SOURCE_STALLED|BAD_STREAM/);
    const res = await fetch(`${server.url}/api/channels`);
    expect(res.status).toBe(200);
    c.close();
  }, 60_000);
});
