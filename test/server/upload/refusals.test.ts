/**
 * Integration, real server and real ffprobe: what /api/uploads refuses, each with its status and
 * stable code, leaving nothing behind (no token, a wrong token, too large, not a video, no ffprobe,
 * wrong methods and ids, other sites), and the CORS that lets an allowed page speak tus.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readErrorBody } from '../../../server/core/errors.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../../helpers/server.js';
import { bearer, createUpload, headUpload, patchUpload, TUS, uploadWhole } from '../../helpers/tus.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'upload-refusal-token';
const APP = 'http://app.example';
const MAX = 200_000;

async function codeOf(res: Response): Promise<string | undefined> {
  return readErrorBody(await res.json())?.code;
}

describe.skipIf(!ffmpeg)('/api/uploads refusals', () => {
  let server: TestServer;
  let dir: { dir: string; remove(): void };
  let mediaDir: string;
  let uploadsDir: string;
  const leftovers = (): string[] => [...readdirSync(mediaDir), ...readdirSync(uploadsDir)];

  beforeAll(async () => {
    dir = tempDir('pushcast-upload-refusals-');
    mediaDir = path.join(dir.dir, 'media');
    mkdirSync(mediaDir);
    const dataDir = path.join(dir.dir, 'data');
    uploadsDir = path.join(dataDir, 'uploads');
    server = await startTestServer(ffmpeg!, { dataDir, mediaDir, controlToken: TOKEN, testPattern: false, uploadMaxBytes: MAX, allowedOrigins: [APP] });
  });
  afterAll(async () => {
    await server?.close();
    dir?.remove();
  });

  it('no token → 401, a wrong token → 403, on every method; nothing is created', async () => {
    const id = 'f'.repeat(32);
    const cases: Array<[string, string, Record<string, string>]> = [
      ['POST', '/api/uploads', { 'Upload-Length': '10' }],
      ['GET', '/api/uploads', {}],
      ['GET', `/api/uploads/${id}`, {}],
      ['HEAD', `/api/uploads/${id}`, {}],
      ['PATCH', `/api/uploads/${id}`, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }],
      ['DELETE', `/api/uploads/${id}`, {}],
    ];
    for (const [method, p, headers] of cases) {
      const none = await fetch(server.url + p, { method, headers: { ...TUS, ...headers } });
      expect(none.status, `${method} ${p}`).toBe(401);
      expect(none.headers.get('tus-resumable')).toBe('1.0.0');
      const wrong = await fetch(server.url + p, { method, headers: { ...TUS, ...headers, ...bearer('not-the-token') } });
      expect(wrong.status, `${method} ${p}`).toBe(403);
      if (method !== 'HEAD') expect(await codeOf(wrong)).toBe('FORBIDDEN');
    }
    expect(leftovers()).toEqual([]);
  });

  it('too large → 413 UPLOAD_TOO_LARGE; a deferred length past the limit is cut by tus with 413', async () => {
    const big = await createUpload(server.url, TOKEN, MAX + 1, 'big.mp4');
    expect(big.res.status).toBe(413);
    expect(await codeOf(big.res)).toBe('UPLOAD_TOO_LARGE');
    const deferred = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: { ...TUS, ...bearer(TOKEN), 'Upload-Defer-Length': '1' } });
    expect(deferred.status).toBe(201);
    const url = new URL(deferred.headers.get('location')!, server.url).href;
    const over = await patchUpload(url, TOKEN, 0, new Uint8Array(MAX + 1));
    expect(over.status).toBe(413);
    await fetch(url, { method: 'DELETE', headers: { ...TUS, ...bearer(TOKEN) } });
    const ok = await createUpload(server.url, TOKEN, MAX, 'fits.mp4');
    expect(ok.res.status).toBe(201);
    expect((await fetch(ok.url!, { method: 'DELETE', headers: { ...TUS, ...bearer(TOKEN) } })).status).toBe(204);
    expect(leftovers()).toEqual([]);
  });

  it('random bytes named x.mp4 are refused with UPLOAD_NOT_VIDEO and removed', async () => {
    const res = await uploadWhole(server.url, TOKEN, randomBytes(50_000), 'x.mp4');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = readErrorBody(await res.json());
    expect(body?.code).toBe('UPLOAD_NOT_VIDEO');
    expect(body?.message).toMatch(/not a video file: ffprobe cannot read it/);
    expect(body?.message).not.toContain(dir.dir); // no server paths in what the client reads
    expect(leftovers()).toEqual([]);
    const list = await fetch(`${server.url}/api/uploads`, { headers: bearer(TOKEN) });
    expect(((await list.json()) as { uploads: unknown[] }).uploads).toEqual([]);
    expect((await fetch(`${server.url}/api/channels/x`)).status).toBe(404);
  });

  it('an HLS playlist named .mp4 that points at a video outside the media folder is refused and removed', async () => {
    // ffprobe reads the playlist as video (the segment it names is one): only the container tells.
    mkdirSync(path.join(dir.dir, 'secret'), { recursive: true });
    const secret = path.join(dir.dir, 'secret', 'private.ts');
    execFileSync(ffmpeg!.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=d=2:s=64x64', '-c:v', 'libx264', '-f', 'mpegts', secret]);
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n${secret}\n#EXT-X-ENDLIST\n`;
    const res = await uploadWhole(server.url, TOKEN, new TextEncoder().encode(playlist), 'evil.mp4');
    expect(res.status).toBe(422);
    const body = readErrorBody(await res.json());
    expect(body?.code).toBe('UPLOAD_NOT_VIDEO');
    expect(body?.message).toMatch(/hls file, which names other files/);
    expect(leftovers()).toEqual([]);
    expect((await fetch(`${server.url}/api/channels/evil`)).status).toBe(404);
  });

  it('a concat list naming a missing file is refused without naming the server folders', async () => {
    const res = await uploadWhole(server.url, TOKEN, new TextEncoder().encode("ffconcat version 1.0\nfile 'clip.mp4'\n"), 'list.mp4');
    expect(res.status).toBe(422);
    const body = readErrorBody(await res.json());
    expect(body?.code).toBe('UPLOAD_NOT_VIDEO');
    expect(body?.message).not.toContain(dir.dir);
    expect(leftovers()).toEqual([]);
  });

  it('a sound-only file and a picture, whatever their names, are refused too', async () => {
    const song = path.join(dir.dir, 'song.m4a');
    execFileSync(ffmpeg!.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', song]);
    const picture = path.join(dir.dir, 'still.png');
    execFileSync(ffmpeg!.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', picture]);
    for (const [file, why] of [[song, /no video stream/], [picture, /container \(png_pipe\) is not one of the video file formats/]] as const) {
      const res = await uploadWhole(server.url, TOKEN, readFileSync(file), 'movie.mp4');
      expect(res.status).toBe(422);
      expect(readErrorBody(await res.json())?.message).toMatch(why);
    }
    expect(leftovers()).toEqual([]);
  });

  it('methods and ids outside the protocol', async () => {
    const put = await fetch(`${server.url}/api/uploads`, { method: 'PUT', headers: { ...TUS, ...bearer(TOKEN) } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const postToOne = await fetch(`${server.url}/api/uploads/${'a'.repeat(32)}`, { method: 'POST', headers: { ...TUS, ...bearer(TOKEN) } });
    expect(postToOne.status).toBe(405);
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', 'ABC', 'a'.repeat(31), `${'a'.repeat(32)}%00`]) {
      const res = await headUpload(`${server.url}/api/uploads/${bad}`, TOKEN);
      expect(res.status, bad).toBe(404);
    }
    expect((await headUpload(`${server.url}/api/uploads/${'a'.repeat(32)}`, TOKEN)).status).toBe(404);
    const noTus = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: { ...bearer(TOKEN), 'Upload-Length': '5' } });
    expect(noTus.status).toBe(412); // Tus-Resumable is required
  });

  it('CORS: an allowed page may speak tus (preflight + exposed headers); another site may not', async () => {
    const pre = await fetch(`${server.url}/api/uploads/${'a'.repeat(32)}`, {
      method: 'OPTIONS',
      headers: { Origin: APP, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,tus-resumable,upload-offset,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/PATCH/);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
    const allowed = pre.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata', 'content-type', 'authorization']) expect(allowed).toContain(h);
    // The same OPTIONS is tus's discovery request.
    expect(pre.headers.get('tus-version')).toBe('1.0.0');
    expect(pre.headers.get('tus-extension')).toMatch(/creation/);
    expect(pre.headers.get('tus-extension')).toMatch(/termination/);
    expect(pre.headers.get('tus-extension')).toMatch(/expiration/);
    expect(pre.headers.get('tus-max-size')).toBe(String(MAX));

    const created = await createUpload(server.url, TOKEN, 10, 'c.mp4', { Origin: APP });
    expect(created.res.status).toBe(201);
    expect(created.res.headers.get('access-control-allow-origin')).toBe(APP);
    const exposed = created.res.headers.get('access-control-expose-headers')!.toLowerCase();
    for (const h of ['location', 'upload-offset', 'upload-length', 'tus-resumable', 'upload-expires', 'x-pushcast-channel']) expect(exposed).toContain(h);
    await fetch(created.url!, { method: 'DELETE', headers: { ...TUS, ...bearer(TOKEN) } });

    const evil = await createUpload(server.url, TOKEN, 10, 'e.mp4', { Origin: 'http://evil.example' });
    expect(evil.res.status).toBe(403);
    expect(await codeOf(evil.res)).toBe('ORIGIN_FORBIDDEN');
    expect(leftovers()).toEqual([]);
  });
});

describe.skipIf(!ffmpeg)('/api/uploads without ffprobe', () => {
  it('refuses to start uploads it could not check: 503 UPLOAD_UNAVAILABLE', async () => {
    const server = await startTestServer({ ...ffmpeg!, ffprobe: null }, { controlToken: TOKEN, testPattern: false });
    try {
      const { res } = await createUpload(server.url, TOKEN, 10, 'a.mp4');
      expect(res.status).toBe(503);
      expect(await codeOf(res)).toBe('UPLOAD_UNAVAILABLE');
      const list = await fetch(`${server.url}/api/uploads`, { headers: bearer(TOKEN) });
      expect(list.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
