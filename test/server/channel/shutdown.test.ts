/**
 * Integration (real server, real ffmpeg): closing the app leaves no ffmpeg or ffprobe child, not
 * even the ffmpeg a seek replaced a moment before (its stop was never awaited by anyone). That
 * ffmpeg is blocked writing to a full pipe (the pacer stopped reading it 3 s ahead), so a SIGTERM
 * alone does not end it at once: close() must wait for it (or SIGKILL it) before resolving.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../../server/sample-media.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { mediaChildren } from '../../helpers/processes.js';
import { startTestServer, tempDir, TestClient } from '../../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'shutdown-test-token';

describe.skipIf(!ffmpeg)('shutdown', () => {
  const media = tempDir();
  beforeAll(() => generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, 'clip.mp4'), durationSec: 30 }), 120_000);
  afterAll(() => media.remove());

  it('close() right after a seek replaced the ffmpeg: no ffmpeg child is left once it resolves', async () => {
    const server = await startTestServer(ffmpeg!, { testPattern: false, mediaDir: media.dir, controlToken: TOKEN, stopTimeoutMs: 2000 });
    const c = new TestClient(server.wsUrl);
    await c.open();
    await c.nextText('welcome');
    c.send({ type: 'hello', codecs: ['avc1.640028', 'mp4a.40.2'], token: TOKEN });
    c.send({ type: 'join', channel: 'clip' });
    await c.nextText('mse', 20_000);
    await c.nextBinary();
    // Let the pacer fill its 3 s read-ahead and pause ffmpeg's pipe.
    await new Promise((r) => setTimeout(r, 1500));
    const channel = server.app.channels.get('clip')!;
    const replaced = channel.ffmpegPid;
    expect(replaced).not.toBeNull();
    c.send({ type: 'seek', position: 25, id: 's1' }); // far: a new ffmpeg at the target
    await c.find((r) => r.kind === 'text' && r.msg.type === 'ack' && r.msg.id === 's1');
    // At once: the replaced ffmpeg has had its SIGTERM and may still be on its way out.
    const pidsBefore = mediaChildren().map((p) => p.pid);
    expect(channel.ffmpegPid).not.toBe(replaced);
    const started = Date.now();
    await server.close();
    const took = Date.now() - started;
    const left = mediaChildren();
    console.log(`close() after a seek: ${took} ms; ffmpeg children before ${pidsBefore.length}, after ${left.length}`);
    expect(left).toEqual([]);
    expect(server.app.channels.children.size).toBe(0);
    expect(took).toBeLessThan(2000 + 2000); // SIGKILL after stopTimeoutMs at worst
    c.close();
  }, 60_000);
});
