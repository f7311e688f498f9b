/**
 * Integration: the VOD routes on a real server with the real ffmpeg/ffprobe and clips this test
 * generates itself.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBoxHeader } from '../../../server/vod/box-layout.js';
import { createFfmpegRunner } from '../../../server/vod/ffmpeg-job.js';
import type { FfmpegRunner } from '../../../server/vod/ffmpeg-job.js';
import { createVodRoutes, formatParam } from '../../../server/vod/routes.js';
import type { VodRoutes } from '../../../server/vod/routes.js';
import { hostilePaths, request, startServer } from '../http/http-test-kit.js';
import type { TestResponse, TestServer } from '../http/http-test-kit.js';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';
const SECRET = 'TOP-SECRET-routes';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pushcast-routes-'));
const media = path.join(tmp, 'media');
const cacheDir = path.join(tmp, 'cache');

/** Counts real ffmpeg runs, to prove single-flight. */
const runs: string[][] = [];
const realRunner = createFfmpegRunner(FFMPEG);
const countingRunner: FfmpegRunner = (args, signal, onProgress) => {
  runs.push(args);
  return realRunner(args, signal, onProgress);
};

let routes: VodRoutes;
let server: TestServer;

function ffmpeg(...args: string[]): void {
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}
const AV = ['-f', 'lavfi', '-i', 'testsrc2=d=2:s=160x120:r=15', '-f', 'lavfi', '-i', 'sine=d=2'];

/** Top-level box types of an MP4 held in memory. */
function boxTypes(buf: Buffer): string[] {
  const types: string[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const h = parseBoxHeader(buf.subarray(pos, pos + 16), pos, buf.length);
    if (!h.ok) throw new Error(`bad box at ${pos}: ${h.reason}`);
    types.push(h.box.type);
    pos += h.box.size;
  }
  return types;
}

/** ffprobe's view of a downloaded body: codec names and duration. */
function probe(buf: Buffer): { codecs: string[]; duration: number } {
  const file = path.join(tmp, `probe-${createHash('sha1').update(buf).digest('hex')}.mp4`);
  writeFileSync(file, buf);
  const out = JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString()) as {
    streams: Array<{ codec_name: string }>;
    format: { duration: string };
  };
  return { codecs: out.streams.map((s) => s.codec_name).sort(), duration: Number(out.format.duration) };
}

async function pollUntil(urlPath: string, done: (r: TestResponse) => boolean, timeoutMs = 60_000): Promise<TestResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(server.port, urlPath);
    if (done(res)) return res;
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${urlPath}: last status ${res.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  mkdirSync(media, { recursive: true });
  ffmpeg(...AV, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', path.join(media, 'tail.mp4'));
  ffmpeg(...AV, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', path.join(media, 'clip.mkv'));
  ffmpeg(...AV, '-c:v', 'mpeg4', '-c:a', 'ac3', '-shortest', path.join(media, 'old.mkv'));
  // Long enough (40 s of 640×360 to transcode) that ffmpeg reports progress before it is done.
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=d=40:s=640x360:r=30', '-f', 'lavfi', '-i', 'sine=d=40', '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'ac3', '-shortest', path.join(media, 'long.mkv'));
  ffmpeg(...AV, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', '-movflags', '+faststart', path.join(media, 'good.mp4'));
  ffmpeg(...AV, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', path.join(media, 'fails.mkv'));
  writeFileSync(path.join(media, 'garbage.mkv'), Buffer.alloc(4096, 0x5a));
  writeFileSync(path.join(media, 'nine.mp4'), '123456789');
  writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  writeFileSync(path.join(media, '.hidden.mp4'), SECRET);
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(media, 'link-out.mp4'));
  symlinkSync(tmp, path.join(media, 'updir'));
  mkdirSync(path.join(media, 'sub'));
  expect(boxTypes(readFileSync(path.join(media, 'tail.mp4'))).indexOf('moov')).toBeGreaterThan(boxTypes(readFileSync(path.join(media, 'tail.mp4'))).indexOf('mdat'));

  // fails.mkv gets an encoder ffmpeg does not have: a real ffmpeg failure with a real stderr.
  const runner: FfmpegRunner = (args, signal, onProgress) =>
    countingRunner(args.some((a) => a.endsWith('fails.mkv')) ? args.map((a) => (a === 'copy' ? 'no_such_encoder' : a)) : args, signal, onProgress);
  routes = createVodRoutes({
    root: media,
    cacheDir,
    cacheControl: 'public, max-age=60',
    corsOrigins: ['*'],
    ffmpegPath: FFMPEG,
    ffprobePath: FFPROBE,
    log: { warn: () => {} },
    retryAfterSec: 1,
    runFfmpeg: runner,
  });
  server = await startServer(routes.vod, routes.mediaApi);
}, 120_000);

afterAll(async () => {
  await routes.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('faststart copy of an MP4 with moov at the end', () => {
  it('serves the original until the copy is ready, then the copy with its own ETag', async () => {
    const originalBytes = readFileSync(path.join(media, 'tail.mp4'));
    // Generation is started by this request and runs in the background, so this answer is the original.
    const first = await request(server.port, '/vod/tail.mp4');
    expect(first.status).toBe(200);
    expect(first.headers['x-pushcast-variant']).toBe('original');
    expect(first.body.equals(originalBytes)).toBe(true);
    const ready = await pollUntil('/vod/tail.mp4', (r) => r.headers['x-pushcast-variant'] === 'faststart');
    expect(ready.headers.etag).not.toBe(first.headers.etag);
    const types = boxTypes(ready.body);
    expect(types.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('moov')).toBeLessThan(types.indexOf('mdat'));
    expect(ready.headers['content-type']).toBe('video/mp4');
    const p = probe(ready.body);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.duration).toBeGreaterThan(1.5);
    // The original is untouched.
    expect(sha(readFileSync(path.join(media, 'tail.mp4')))).toBe(sha(originalBytes));
    // Ranges and validators work on the copy like on any file.
    const range = await request(server.port, '/vod/tail.mp4', { headers: { Range: 'bytes=4-7', 'If-Range': String(ready.headers.etag) } });
    expect(range.status).toBe(206);
    expect(range.body.toString('latin1')).toBe('ftyp');
    const cached = await request(server.port, '/vod/tail.mp4', { headers: { 'If-None-Match': String(ready.headers.etag) } });
    expect(cached.status).toBe(304);
  });

  it('serves an MP4 that is already faststart as is, without any ffmpeg run', async () => {
    const before = runs.length;
    const res = await request(server.port, '/vod/good.mp4?format=mp4');
    expect(res.status).toBe(200);
    expect(res.headers['x-pushcast-variant']).toBe('original');
    expect(res.body.equals(readFileSync(path.join(media, 'good.mp4')))).toBe(true);
    expect(runs.length).toBe(before);
  });
});

describe('?format=mp4 copies', () => {
  it('remuxes an H.264/AAC mkv once for many concurrent requests, answering 202 until ready', async () => {
    const before = runs.filter((a) => a.some((x) => x.endsWith('clip.mkv'))).length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(server.port, '/vod/clip.mkv?format=mp4')));
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.headers['retry-after']).toBe('1');
      expect(JSON.parse(a.body.toString())).toMatchObject({ error: { code: 'VOD_PREPARING', variant: 'remux' } });
    }
    const head = await request(server.port, '/vod/clip.mkv?format=mp4', { method: 'HEAD' });
    expect([200, 202]).toContain(head.status);
    expect(head.body.length).toBe(0);
    const ready = await pollUntil('/vod/clip.mkv?format=mp4', (r) => r.status === 200);
    expect(runs.filter((a) => a.some((x) => x.endsWith('clip.mkv'))).length - before).toBe(1);
    expect(ready.headers['x-pushcast-variant']).toBe('remux');
    expect(ready.headers['content-type']).toBe('video/mp4');
    const types = boxTypes(ready.body);
    expect(types.indexOf('moov')).toBeLessThan(types.indexOf('mdat'));
    expect(probe(ready.body).codecs).toEqual(['aac', 'h264']);
    // The plain URL still serves the mkv itself.
    const plain = await request(server.port, '/vod/clip.mkv', { method: 'HEAD' });
    expect(plain.headers['content-type']).toBe('video/x-matroska');
  });

  it('transcodes MPEG-4 Part 2 + AC-3 to H.264 + AAC', async () => {
    const first = await request(server.port, '/vod/old.mkv?format=mp4');
    expect(first.status).toBe(202);
    const ready = await pollUntil('/vod/old.mkv?format=mp4', (r) => r.status === 200);
    expect(ready.headers['x-pushcast-variant']).toBe('transcode');
    const types = boxTypes(ready.body);
    expect(types.indexOf('moov')).toBeLessThan(types.indexOf('mdat'));
    const p = probe(ready.body);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.duration).toBeGreaterThan(1.5);
  });

  it('says how far a transcode is in its 202 answers: progress rises, with a time left, until the copy is there', async () => {
    const seen: Array<{ progress: number | null; etaSec: number | null; message: string }> = [];
    const ready = await pollUntil('/vod/long.mkv?format=mp4', (r) => {
      if (r.status === 202) seen.push((JSON.parse(r.body.toString()) as { error: { progress: number | null; etaSec: number | null; message: string } }).error);
      return r.status === 200;
    });
    expect(ready.headers['x-pushcast-variant']).toBe('transcode');
    const told = seen.filter((e) => e.progress !== null && e.progress > 0);
    expect(told.length, JSON.stringify(seen)).toBeGreaterThan(0);
    for (const e of told) expect(e.progress).toBeLessThan(1);
    const fractions = told.map((e) => e.progress!);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(told.some((e) => e.etaSec !== null && /\d+ %/.test(e.message))).toBe(true);
  }, 120_000);

  it('reports a failed generation with a stable code and the ffmpeg stderr tail, without retrying', async () => {
    await request(server.port, '/vod/fails.mkv?format=mp4');
    const failed = await pollUntil('/vod/fails.mkv?format=mp4', (r) => r.status !== 202);
    expect(failed.status).toBe(500);
    const body = JSON.parse(failed.body.toString()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VOD_DERIVE_FAILED');
    expect(body.error.message).toMatch(/no_such_encoder/i);
    for (let i = 0; i < 5; i++) expect((await request(server.port, '/vod/fails.mkv?format=mp4')).status).toBe(500);
    expect(runs.filter((a) => a.some((x) => x.endsWith('fails.mkv')))).toHaveLength(1);
  });

  it.each<[string, number, string]>([
    ['/vod/clip.mkv?format=webm', 400, 'VOD_BAD_FORMAT'],
    ['/vod/garbage.mkv?format=mp4', 404, 'VOD_NO_MP4'],
    ['/vod/missing.mkv?format=mp4', 404, 'NOT_FOUND'],
  ])('%s → %d %s', async (urlPath, status, code) => {
    const res = await request(server.port, urlPath);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body.toString())).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('405 for other methods, also with ?format=mp4', async () => {
    const res = await request(server.port, '/vod/clip.mkv?format=mp4', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});

describe('GET /api/media', () => {
  it('lists media with size, duration, codecs, faststart and playability', async () => {
    const res = await request(server.port, '/api/media');
    expect(res.status).toBe(200);
    const { files } = JSON.parse(res.body.toString()) as { files: Array<Record<string, any>> };
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['clip.mkv', 'fails.mkv', 'garbage.mkv', 'good.mp4', 'long.mkv', 'nine.mp4', 'old.mkv', 'tail.mp4']);
    expect(byPath['good.mp4']).toMatchObject({ faststart: true, progressive: true, size: readFileSync(path.join(media, 'good.mp4')).length, codecs: { video: 'h264', audio: 'aac', mime: expect.stringMatching(/avc1\..*mp4a\.40\.2/) } });
    expect(byPath['good.mp4']!.duration).toBeCloseTo(2, 0);
    expect(byPath['tail.mp4']).toMatchObject({ faststart: false, progressive: false, playback: { url: '/vod/tail.mp4', variant: 'faststart', state: 'ready' } });
    expect(byPath['clip.mkv']).toMatchObject({ faststart: null, progressive: false, playback: { url: '/vod/clip.mkv?format=mp4', variant: 'remux', state: 'ready' } });
    expect(byPath['old.mkv']).toMatchObject({ codecs: { video: 'mpeg4', audio: 'ac3' }, playback: { variant: 'transcode' } });
    expect(byPath['fails.mkv']!.playback).toMatchObject({ state: 'failed', error: { code: 'FFMPEG_EXIT' } });
    expect(byPath['garbage.mkv']).toMatchObject({ progressive: false, playback: null });
    // A finished copy has no progress to tell.
    expect(byPath['long.mkv']!.playback).toMatchObject({ variant: 'transcode', state: 'ready', progress: null });
    expect(JSON.stringify(files)).not.toContain('secret');
  });

  it('405 for POST', async () => {
    expect((await request(server.port, '/api/media', { method: 'POST' })).status).toBe(405);
  });
});

describe('hostile paths through the routes', () => {
  it.each(hostilePaths(path.join(tmp, 'secret.txt')).flatMap((p) => [p, `${p}?format=mp4`]))('%s', async (p) => {
    const res = await request(server.port, `/vod/${p}`);
    expect([400, 404]).toContain(res.status);
    expect(res.body.includes(SECRET)).toBe(false);
  });
});

describe('close()', () => {
  it('stops a running ffmpeg and leaves no child behind', async () => {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=d=60:s=640x360:r=30', '-c:v', 'mpeg4', '-q:v', '20', path.join(media, 'long.avi'));
    expect((await request(server.port, '/vod/long.avi?format=mp4')).status).toBe(202);
    const children = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid && stat.includes('(ffmpeg)');
      } catch {
        return false;
      }
    });
    const deadline = Date.now() + 10_000;
    while (children().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(children().length).toBe(1);
    await routes.close();
    expect(children()).toEqual([]);
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.part'))).toEqual([]);
  }, 60_000);
});

describe('formatParam', () => {
  it.each<[string | undefined, string | null]>([
    ['/vod/a.mkv', null],
    ['/vod/a.mkv?format=mp4', 'mp4'],
    ['/vod/a.mkv?x=1&format=mp4', 'mp4'],
    ['/vod/a.mkv?format=', ''],
    ['/vod/a.mkv?format=%6Dp4', 'mp4'],
    [undefined, null],
  ])('%s', (url, expected) => {
    expect(formatParam(url)).toBe(expected);
  });
});
