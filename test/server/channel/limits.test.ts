/**
 * Integration (real server, real ffmpeg): the registry-wide ffmpeg limit. With maxFfmpeg 1 a second
 * channel's start fails with BUSY (its viewer hears it, the channel shows `retrying`), never a
 * second ffmpeg; it starts as soon as the first channel's ffmpeg stops, long before its backoff
 * (restartMinMs is 10 s here) would have retried.
 */
import path from 'node:path';
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { generateSample } from '../../../server/sample-media.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { mediaChildren } from '../../helpers/processes.js';
import { startTestServer, tempDir, TestClient, type TestServer } from '../../helpers/server.js';

const ffmpeg = await findTestFfmpeg();

async function joined(server: TestServer, channel: string): Promise<TestClient> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  await c.nextText('welcome');
  c.send({ type: 'hello', codecs: ['avc1.640028', 'mp4a.40.2'] });
  c.send({ type: 'join', channel });
  return c;
}

describe.skipIf(!ffmpeg)('maxFfmpeg', () => {
  const media = tempDir();
  beforeAll(async () => {
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'a.mp4'), durationSec: 10 });
    copyFileSync(path.join(media.dir, 'a.mp4'), path.join(media.dir, 'b.mp4'));
  }, 120_000);
  afterAll(() => media.remove());

  it('a channel beyond the limit answers BUSY, retries, and starts as soon as a slot frees', async () => {
    const server = await startTestServer(ffmpeg!, { testPattern: false, mediaDir: media.dir, maxFfmpeg: 1, restartMinMs: 10_000, restartMaxMs: 20_000, idleStopMs: 300 });
    let most = 0;
    const sampler = setInterval(() => { most = Math.max(most, mediaChildren().filter((p) => p.comm === 'ffmpeg').length); }, 20);
    try {
      const a = await joined(server, 'a');
      await a.nextText('mse', 20_000);
      await a.nextBinary();
      const b = await joined(server, 'b');
      const busy = await b.nextText('error', 10_000);
      expect(busy.code).toBe('BUSY');
      const { frame } = await b.find((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'retrying');
      const info = (frame as { msg: { channel: ChannelInfo } }).msg.channel;
      expect(info.error?.code).toBe('BUSY');
      expect(info.attempt).toBe(0); // BUSY says nothing about the source: not a failed attempt
      expect(server.app.channels.slots.inUse).toBe(1);
      const listed = (await (await fetch(`${server.url}/api/channels/b`)).json()) as ChannelInfo;
      expect(listed.status).toBe('retrying');
      // a leaves: after idleStopMs its ffmpeg stops and b gets the slot at once.
      const leftAt = Date.now();
      a.close();
      const mse = await b.nextText('mse', 8000);
      const waited = Date.now() - leftAt;
      console.log(`BUSY channel started ${waited} ms after the other channel's last viewer left (idleStopMs 300)`);
      expect(mse.channel).toBe('b');
      expect(waited).toBeLessThan(5000); // not the 10 s backoff
      await b.nextBinary(); // the init segment
      await b.nextBinary(); // a media fragment: the channel counts as running from its first one
      expect(server.app.channels.get('b')!.info()).toMatchObject({ status: 'running', error: null });
      expect(server.app.channels.get('a')!.info().status).toBe('idle');
      b.close();
    } finally {
      clearInterval(sampler);
      await server.close();
    }
    expect(most).toBe(1);
    expect(mediaChildren()).toEqual([]);
  }, 60_000);
});
