/**
 * Integration, real server and real ffprobe: where uploads land and how they end. Hostile client
 * file names land as safe names inside media/ (and collide into -2 …); termination removes an
 * upload; an expired one is removed by the sweep; an upload whose last byte arrived but whose
 * finish never ran (the server died in between), or whose finish was cut after placing the file, is
 * finished by the next start, once.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readErrorBody } from '../../../server/core/errors.js';
import type { Config } from '../../../server/runtime/config.js';
import { openStore } from '../../../server/store/store.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../../helpers/server.js';
import { sampleClip } from '../../helpers/spawn-server.js';
import { bearer, createUpload, headUpload, patchUpload, TUS, uploadWhole } from '../../helpers/tus.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'upload-lifecycle-token';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!ffmpeg)('upload lifecycle', () => {
  let clip: Buffer;
  let server: TestServer | null = null;
  let dir: { dir: string; remove(): void } | null = null;
  let mediaDir = '';
  let dataDir = '';
  const uploadsDir = (): string => path.join(dataDir, 'uploads');
  const start = async (overrides: Partial<Config> = {}): Promise<TestServer> => {
    server = await startTestServer(ffmpeg!, { dataDir, mediaDir, controlToken: TOKEN, testPattern: false, ...overrides });
    return server;
  };

  beforeAll(async () => {
    clip = readFileSync(await sampleClip(ffmpeg!));
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    dir?.remove();
    dir = null;
  });
  /** Fresh folders for each case (called first in every test). */
  const fresh = (): void => {
    dir = tempDir('pushcast-upload-life-');
    mediaDir = path.join(dir.dir, 'media');
    dataDir = path.join(dir.dir, 'data');
    mkdirSync(mediaDir);
  };

  it('hostile file names land as safe, unique names inside media/ and become channels', async () => {
    fresh();
    const s = await start({ testPattern: true });
    const names: Array<[string | undefined, string]> = [
      ['../../etc/passwd.mp4', 'passwd.mp4'],
      ['a/b.mp4', 'b.mp4'],
      ['Été à Paris 🎬.mp4', 'Ete-a-Paris.mp4'],
      ['', 'upload.mp4'],
      [undefined, 'upload-2.mp4'],
      ['B.MP4', 'B-2.mp4'], // "b" is taken, whatever the case
      ['test.mp4', 'test-2.mp4'], // the test pattern's channel id
      ['..\\..\\x.mkv', 'x.mkv'],
    ];
    for (const [given, expected] of names) {
      const { res, url } = await createUpload(s.url, TOKEN, clip.length, given);
      expect(res.status).toBe(201);
      const done = await patchUpload(url!, TOKEN, 0, clip);
      expect(done.status, String(given)).toBe(204);
      expect(decodeURIComponent(done.headers.get('x-pushcast-file')!), String(given)).toBe(expected);
      const channel = done.headers.get('x-pushcast-channel');
      expect(channel).toBe(expected.replace(/\.[a-z0-9]+$/, ''));
      expect((await fetch(`${s.url}/api/channels/${channel}`)).status).toBe(200);
    }
    expect(readdirSync(mediaDir).sort()).toEqual(names.map(([, e]) => e).sort());
    expect(readdirSync(dir!.dir).sort()).toEqual(['data', 'media']); // nothing climbed out
    expect(readdirSync(uploadsDir())).toEqual([]);
  }, 60_000);

  it('the whole file in the POST (creation-with-upload) and the answers after the finish', async () => {
    fresh();
    const s = await start();
    const post = (body: Uint8Array, filename: string) => fetch(`${s.url}/api/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...bearer(TOKEN), 'Upload-Length': String(body.length), 'Upload-Metadata': `filename ${Buffer.from(filename).toString('base64')}`, 'Content-Type': 'application/offset+octet-stream' },
      body: body as Uint8Array<ArrayBuffer>,
    });
    const good = await post(clip, 'whole.mp4');
    expect(good.status).toBe(201);
    expect(good.headers.get('location')).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
    expect(good.headers.get('x-pushcast-channel')).toBe('whole');
    const url = new URL(good.headers.get('location')!, s.url).href;
    // A client whose final answer was lost asks again: complete, not "no such upload" (which would
    // make it upload everything again), and a repeated final PATCH gets the same outcome.
    const head = await headUpload(url, TOKEN);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(clip.length));
    const repeat = await patchUpload(url, TOKEN, clip.length, new Uint8Array(0));
    expect(repeat.status).toBe(204);
    expect(repeat.headers.get('x-pushcast-channel')).toBe('whole');
    expect(readdirSync(mediaDir)).toEqual(['whole.mp4']);

    const junk = await post(new Uint8Array(5000).fill(1), 'junk.mp4');
    expect(junk.status).toBe(422);
    expect(readErrorBody(await junk.json())?.code).toBe('UPLOAD_NOT_VIDEO');
    expect(junk.headers.get('location')).toBeNull(); // no resource to point at: it is gone
    expect(readdirSync(mediaDir)).toEqual(['whole.mp4']);
    expect(readdirSync(uploadsDir())).toEqual([]);
  });

  it('a refused upload keeps answering why to HEAD and PATCH', async () => {
    fresh();
    const s = await start();
    const { url } = await createUpload(s.url, TOKEN, 3000, 'noise.mp4');
    expect((await patchUpload(url!, TOKEN, 0, new Uint8Array(3000).fill(9))).status).toBe(422);
    const head = await headUpload(url!, TOKEN);
    expect(head.status).toBe(422);
    expect(head.headers.get('tus-resumable')).toBe('1.0.0');
    const again = await patchUpload(url!, TOKEN, 0, new Uint8Array(3000).fill(9));
    expect(again.status).toBe(422);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_NOT_VIDEO');
    expect(readdirSync(uploadsDir())).toEqual([]);
  });

  it('termination (DELETE) removes an unfinished upload and its record', async () => {
    fresh();
    const s = await start();
    const { url } = await createUpload(s.url, TOKEN, clip.length, 'gone.mp4');
    expect((await patchUpload(url!, TOKEN, 0, clip.subarray(0, 1000))).status).toBe(204);
    const del = await fetch(url!, { method: 'DELETE', headers: { ...TUS, ...bearer(TOKEN) } });
    expect(del.status).toBe(204);
    expect((await headUpload(url!, TOKEN)).status).toBe(404);
    expect(readdirSync(uploadsDir())).toEqual([]);
    const list = await fetch(`${s.url}/api/uploads`, { headers: bearer(TOKEN) });
    expect(((await list.json()) as { uploads: unknown[] }).uploads).toEqual([]);
  });

  it('an expired upload answers 410 and the sweep removes it', async () => {
    fresh();
    const s = await start({ uploadExpiryMs: 800 });
    const { res, url } = await createUpload(s.url, TOKEN, clip.length, 'slow.mp4');
    const expires = Date.parse(res.headers.get('upload-expires')!);
    expect(expires - Date.now()).toBeLessThanOrEqual(1000);
    expect((await patchUpload(url!, TOKEN, 0, clip.subarray(0, 1000))).status).toBe(204);
    expect(readdirSync(uploadsDir())).toHaveLength(1);
    await sleep(900);
    const head = await headUpload(url!, TOKEN);
    expect([404, 410]).toContain(head.status);
    await until('the sweep', () => readdirSync(uploadsDir()).length === 0);
    expect((await headUpload(url!, TOKEN)).status).toBe(404);
    expect(readdirSync(mediaDir)).toEqual([]);
  });

  it('a complete upload whose finish never ran is finished by the next start', async () => {
    fresh();
    let s = await start();
    const { url } = await createUpload(s.url, TOKEN, clip.length, 'late.mp4');
    const id = new URL(url!).pathname.split('/').pop()!;
    await s.close();
    server = null;
    // As if every byte had arrived and the process died before answering the final PATCH.
    writeFileSync(path.join(uploadsDir(), id), clip);
    s = await start();
    await until('late.mp4 in media/', () => existsSync(path.join(mediaDir, 'late.mp4')));
    await until('channel late', async () => (await fetch(`${s.url}/api/channels/late`)).status === 200);
    expect(readFileSync(path.join(mediaDir, 'late.mp4')).equals(clip)).toBe(true);
    await until('the partial file gone', () => readdirSync(uploadsDir()).length === 0);
    // The client that comes back hears "complete" and what it became.
    const head = await headUpload(`${s.url}/api/uploads/${id}`, TOKEN);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(clip.length));
    const outcome = await fetch(`${s.url}/api/uploads/${id}`, { headers: bearer(TOKEN) });
    expect(((await outcome.json()) as { channel: string }).channel).toBe('late');
  });

  it('a finish cut after placing the file is completed, not repeated', async () => {
    fresh();
    let s = await start();
    const { url } = await createUpload(s.url, TOKEN, clip.length, 'once.mp4');
    const id = new URL(url!).pathname.split('/').pop()!;
    await s.close();
    server = null;
    // The crash came after the link into media/ and before the upload was removed.
    writeFileSync(path.join(uploadsDir(), id), clip);
    linkSync(path.join(uploadsDir(), id), path.join(mediaDir, 'once.mp4'));
    const store = openStore(dataDir);
    store.uploads.setTarget(id, 'once.mp4');
    store.close();
    s = await start();
    await until('the upload removed', () => readdirSync(uploadsDir()).length === 0);
    expect(readdirSync(mediaDir)).toEqual(['once.mp4']);
    expect((await fetch(`${s.url}/api/channels/once`)).status).toBe(200);
    const again = await uploadWhole(s.url, TOKEN, clip, 'once.mp4');
    expect(again.headers.get('x-pushcast-file')).toBe('once-2.mp4'); // a new upload of the same name does collide
  });
});
