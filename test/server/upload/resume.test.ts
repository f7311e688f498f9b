/**
 * Integration, real server and real ffmpeg: a tus upload cut in the middle by a dropped connection,
 * the server closed and started again on the same data folder, HEAD gives the offset the first
 * server recorded, the rest is sent, and the media file is byte-identical to the original and a
 * channel that plays (its init segment arrives over the WebSocket).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { startTestServer, tempDir, TestClient, type TestServer } from '../../helpers/server.js';
import { sampleClip } from '../../helpers/spawn-server.js';
import { bearer, createUpload, cutPatch, headUpload, patchUpload } from '../../helpers/tus.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'upload-test-token';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(!ffmpeg)('a resumable upload across a server restart', () => {
  let server: TestServer | null = null;
  let dir: { dir: string; remove(): void } | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
    dir?.remove();
    dir = null;
  });

  it('resumes from the recorded offset and yields a byte-identical file that plays as a channel', async () => {
    dir = tempDir('pushcast-upload-');
    const dataDir = path.join(dir.dir, 'data');
    const mediaDir = path.join(dir.dir, 'media');
    mkdirSync(mediaDir);
    const overrides = { dataDir, mediaDir, controlToken: TOKEN, testPattern: false };
    const original = readFileSync(await sampleClip(ffmpeg!));
    const half = Math.floor(original.length / 2);

    server = await startTestServer(ffmpeg!, overrides);
    const { res, url } = await createUpload(server.url, TOKEN, original.length, 'Holiday clip.mp4');
    expect(res.status).toBe(201);
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    expect(res.headers.get('upload-expires')).not.toBeNull();
    const id = new URL(url!).pathname.split('/').pop()!;
    const partial = path.join(dataDir, 'uploads', id);
    await cutPatch(url!, TOKEN, 0, original, half, partial);
    // While it is partial, it is no channel and nothing in media/.
    expect(readdirSync(mediaDir)).toEqual([]);
    const listed = await fetch(`${server.url}/api/uploads`, { headers: bearer(TOKEN) });
    const { uploads } = (await listed.json()) as { uploads: Array<{ id: string; filename: string; size: number; offset: number; created: string; expires: string }> };
    expect(uploads).toEqual([{ id, filename: 'Holiday clip.mp4', size: original.length, offset: half, created: expect.any(String), expires: expect.any(String) }]);
    await server.close();

    server = await startTestServer(ffmpeg!, overrides);
    const head = await headUpload(url!.replace(/^http:\/\/[^/]+/, server.url), TOKEN);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    expect(head.headers.get('upload-length')).toBe(String(original.length));
    expect(head.headers.get('cache-control')).toBe('no-store');

    const offset = Number(head.headers.get('upload-offset'));
    const last = await patchUpload(`${server.url}/api/uploads/${id}`, TOKEN, offset, original.subarray(offset));
    expect(last.status, await last.text()).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(original.length));
    expect(last.headers.get('x-pushcast-channel')).toBe('Holiday-clip');
    expect(last.headers.get('x-pushcast-file')).toBe('Holiday-clip.mp4');
    expect(last.headers.get('x-pushcast-vod')).toBe('/vod/Holiday-clip.mp4');

    expect(sha256(readFileSync(path.join(mediaDir, 'Holiday-clip.mp4')))).toBe(sha256(original));
    expect(readdirSync(path.join(dataDir, 'uploads'))).toEqual([]);
    const after = await fetch(`${server.url}/api/uploads`, { headers: bearer(TOKEN) });
    expect(((await after.json()) as { uploads: unknown[] }).uploads).toEqual([]);
    // The outcome stays readable for a client whose final answer was lost.
    const outcome = await fetch(`${server.url}/api/uploads/${id}`, { headers: bearer(TOKEN) });
    expect(await outcome.json()).toEqual({ id, state: 'accepted', file: 'Holiday-clip.mp4', channel: 'Holiday-clip', vod: '/vod/Holiday-clip.mp4' });

    // A channel and a /vod/ file at once, without waiting for the media rescan.
    const info = await fetch(`${server.url}/api/channels/Holiday-clip`);
    expect(info.status).toBe(200);
    const vod = await fetch(`${server.url}/vod/Holiday-clip.mp4`, { headers: { Range: 'bytes=0-99' } });
    expect(vod.status).toBe(206);
    expect(Buffer.from(await vod.arrayBuffer())).toEqual(original.subarray(0, 100));

    const viewer = new TestClient(server.wsUrl);
    try {
      await viewer.open();
      await viewer.nextText('welcome');
      viewer.send({ type: 'hello', codecs: ['avc1.640028', 'mp4a.40.2'] });
      await viewer.nextText('session');
      viewer.send({ type: 'join', channel: 'Holiday-clip' });
      await viewer.nextText('mse', 20_000);
      const init = await viewer.nextBinary(20_000);
      expect(init.subarray(4, 8).toString('latin1')).toBe('ftyp');
      const fragment = await viewer.nextBinary(20_000);
      expect(fragment.length).toBeGreaterThan(0);
    } finally {
      viewer.close();
    }
  }, 60_000);
});
