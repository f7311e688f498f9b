import { mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHttpDate } from '../../../server/http/http-date.js';
import { createVodHandler } from '../../../server/http/vod.js';
import { hostilePaths, parseMultipart, request, startServer } from './http-test-kit.js';
import type { TestResponse, TestServer } from './http-test-kit.js';

const NINE = Buffer.from('123456789');
const THOUSAND = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 256));
const SECRET = 'TOP-SECRET-do-not-serve';
const CACHE_CONTROL = 'public, max-age=123';
const ORIGIN = 'https://player.example';
/** Last-Modified of the fixtures: fixed and in the past, so a date If-Range is a strong validator. */
const MTIME_S = Date.UTC(2024, 2, 3, 4, 5, 6) / 1000;
const LM = formatHttpDate(MTIME_S * 1000);

// Created at collection time so the hostile-path table can name the secret's absolute path.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pushcast-vod-'));
const root = path.join(tmp, 'media');
let server: TestServer;
let etag: string;

beforeAll(async () => {
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(root, 'nine.mp4'), NINE);
  writeFileSync(path.join(root, 'thousand.bin'), THOUSAND);
  writeFileSync(path.join(root, 'empty.mp3'), '');
  writeFileSync(path.join(root, '.hidden.mp4'), SECRET);
  writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
  writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'link-out.mp4'));
  symlinkSync(tmp, path.join(root, 'updir'));
  for (const f of ['nine.mp4', 'thousand.bin', 'empty.mp3']) utimesSync(path.join(root, f), MTIME_S, MTIME_S);
  server = await startServer(createVodHandler({ root, cacheControl: CACHE_CONTROL, corsOrigins: [ORIGIN], log: { warn: () => {} } }));
  etag = String((await request(server.port, '/vod/nine.mp4', { method: 'HEAD' })).headers.etag);
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Expect = {
  status: number;
  /** string/RegExp: must match; null: must be absent. */
  headers?: Record<string, string | RegExp | null>;
  /** Exact body, or a check of it. */
  body?: string | Buffer | ((res: TestResponse) => void);
};
type Row = [name: string, path: string, req: { method?: string; headers?: Record<string, string> }, expected: Expect];

/** A checker that parses multipart/byteranges and compares each part with the file bytes. */
function parts(file: Buffer, ranges: Array<[number, number]>, type: string) {
  return (res: TestResponse): void => {
    const got = parseMultipart(res.headers['content-type'], res.body);
    expect(got.map((p) => p.headers['content-range'])).toEqual(ranges.map(([a, b]) => `bytes ${a}-${b}/${file.length}`));
    got.forEach((p, i) => {
      const [a, b] = ranges[i]!;
      expect(p.headers['content-type']).toBe(type);
      expect(p.data.equals(file.subarray(a, b + 1))).toBe(true);
    });
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
  };
}

const whole = (body: string): Expect => ({ status: 200, headers: { 'content-range': null, 'content-length': String(body.length) }, body });
const part = (a: number, b: number, size = 9): Expect['headers'] => ({ 'content-range': `bytes ${a}-${b}/${size}`, 'content-length': String(b - a + 1) });
const unsat = (size: number): Expect => ({ status: 416, headers: { 'content-range': `bytes */${size}`, 'content-type': /^application\/json/ } });

// ETag-dependent rows read `etag` lazily, after beforeAll.
const ETAG = '<etag>';
const rows: Row[] = [
  ['whole file with every validator', '/vod/nine.mp4', {}, {
    status: 200,
    headers: { 'accept-ranges': 'bytes', 'content-type': 'video/mp4', 'content-length': '9', 'last-modified': LM, etag: /^"[^"]+"$/, 'cache-control': CACHE_CONTROL },
    body: '123456789',
  }],
  ['HEAD: same headers, no body', '/vod/nine.mp4', { method: 'HEAD' }, { status: 200, headers: { 'content-length': '9', 'content-type': 'video/mp4', 'accept-ranges': 'bytes' }, body: '' }],
  ['query string ignored', '/vod/nine.mp4?t=1', {}, whole('123456789')],
  ['bytes=0-0', '/vod/nine.mp4', { headers: { Range: 'bytes=0-0' } }, { status: 206, headers: part(0, 0), body: '1' }],
  ['bytes=2-5', '/vod/nine.mp4', { headers: { Range: 'bytes=2-5' } }, { status: 206, headers: { ...part(2, 5), 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'cache-control': CACHE_CONTROL }, body: '3456' }],
  ['end past the file clamped', '/vod/nine.mp4', { headers: { Range: 'bytes=4-100' } }, { status: 206, headers: part(4, 8), body: '56789' }],
  ['open-ended', '/vod/nine.mp4', { headers: { Range: 'bytes=3-' } }, { status: 206, headers: part(3, 8), body: '456789' }],
  ['suffix', '/vod/nine.mp4', { headers: { Range: 'bytes=-3' } }, { status: 206, headers: part(6, 8), body: '789' }],
  ['suffix longer than the file', '/vod/nine.mp4', { headers: { Range: 'bytes=-100' } }, { status: 206, headers: part(0, 8), body: '123456789' }],
  ['HEAD with Range mirrors GET', '/vod/nine.mp4', { method: 'HEAD', headers: { Range: 'bytes=2-5' } }, { status: 206, headers: part(2, 5), body: '' }],
  ['bytes=size-', '/vod/nine.mp4', { headers: { Range: 'bytes=9-' } }, unsat(9)],
  ['bytes=-0', '/vod/nine.mp4', { headers: { Range: 'bytes=-0' } }, unsat(9)],
  ['start > end', '/vod/nine.mp4', { headers: { Range: 'bytes=5-2' } }, unsat(9)],
  ['every range past the end', '/vod/nine.mp4', { headers: { Range: 'bytes=10-20,30-' } }, unsat(9)],
  ['HEAD 416', '/vod/nine.mp4', { method: 'HEAD', headers: { Range: 'bytes=9-' } }, { ...unsat(9), body: '' }],
  ['unsatisfiable mixed with satisfiable', '/vod/nine.mp4', { headers: { Range: 'bytes=20-30,0-1' } }, { status: 206, headers: part(0, 1), body: '12' }],
  ['bytes= ignored', '/vod/nine.mp4', { headers: { Range: 'bytes=' } }, whole('123456789')],
  ['bytes=abc ignored', '/vod/nine.mp4', { headers: { Range: 'bytes=abc' } }, whole('123456789')],
  ['bytes=x-100 ignored', '/vod/nine.mp4', { headers: { Range: 'bytes=x-100' } }, whole('123456789')],
  ['bytes=5 ignored', '/vod/nine.mp4', { headers: { Range: 'bytes=5' } }, whole('123456789')],
  ['other unit ignored', '/vod/nine.mp4', { headers: { Range: 'items=0-1' } }, whole('123456789')],
  ['two ranges: multipart', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1,4-6' } }, { status: 206, headers: { 'content-range': null }, body: parts(NINE, [[0, 1], [4, 6]], 'video/mp4') }],
  ['multipart keeps request order', '/vod/nine.mp4', { headers: { Range: 'bytes=7-8,0-0,3-3' } }, { status: 206, body: parts(NINE, [[7, 8], [0, 0], [3, 3]], 'video/mp4') }],
  ['overlapping coalesced to one range', '/vod/nine.mp4', { headers: { Range: 'bytes=0-2,1-3' } }, { status: 206, headers: part(0, 3), body: '1234' }],
  ['adjacent coalesced to one range', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1,2-3' } }, { status: 206, headers: part(0, 3), body: '1234' }],
  ['partly coalesced multipart', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1,1-2,6-' } }, { status: 206, body: parts(NINE, [[0, 2], [6, 8]], 'video/mp4') }],
  ['HEAD multipart', '/vod/nine.mp4', { method: 'HEAD', headers: { Range: 'bytes=0-1,4-6' } }, { status: 206, headers: { 'content-type': /^multipart\/byteranges; boundary=/, 'content-length': /^\d+$/ }, body: '' }],
  ['17 ranges: whole file', '/vod/nine.mp4', { headers: { Range: `bytes=${Array.from({ length: 17 }, () => '0-0').join(',')}` } }, whole('123456789')],
  ['ranges summing past the file: whole file', '/vod/nine.mp4', { headers: { Range: 'bytes=0-5,0-5' } }, whole('123456789')],
  ['If-Range with the current ETag', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1', 'If-Range': ETAG } }, { status: 206, headers: part(0, 1), body: '12' }],
  ['If-Range with another ETag', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1', 'If-Range': '"stale"' } }, whole('123456789')],
  ['If-Range with the weak form', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1', 'If-Range': `W/${ETAG}` } }, whole('123456789')],
  ['If-Range with Last-Modified', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1', 'If-Range': LM } }, { status: 206, headers: part(0, 1), body: '12' }],
  ['If-Range with another date', '/vod/nine.mp4', { headers: { Range: 'bytes=0-1', 'If-Range': formatHttpDate(MTIME_S * 1000 + 1000) } }, whole('123456789')],
  ['If-None-Match: 304', '/vod/nine.mp4', { headers: { 'If-None-Match': ETAG } }, { status: 304, headers: { etag: /./, 'cache-control': CACHE_CONTROL }, body: '' }],
  ['304 beats Range', '/vod/nine.mp4', { headers: { 'If-None-Match': ETAG, Range: 'bytes=0-1' } }, { status: 304, headers: { 'content-range': null }, body: '' }],
  ['If-Modified-Since Last-Modified: 304', '/vod/nine.mp4', { headers: { 'If-Modified-Since': LM } }, { status: 304, body: '' }],
  ['If-Modified-Since earlier: 200', '/vod/nine.mp4', { headers: { 'If-Modified-Since': formatHttpDate(MTIME_S * 1000 - 1000) } }, whole('123456789')],
  ['failed If-Match: 412', '/vod/nine.mp4', { headers: { 'If-Match': '"stale"', Range: 'bytes=0-1' } }, { status: 412, headers: { 'content-range': null } }],
  ['If-Match holds: range served', '/vod/nine.mp4', { headers: { 'If-Match': ETAG, Range: 'bytes=0-1' } }, { status: 206, body: '12' }],
  ['failed If-Unmodified-Since: 412', '/vod/nine.mp4', { headers: { 'If-Unmodified-Since': formatHttpDate(MTIME_S * 1000 - 1000) } }, { status: 412 }],
  ['POST: 405', '/vod/nine.mp4', { method: 'POST' }, { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } }],
  ['PUT: 405', '/vod/nine.mp4', { method: 'PUT' }, { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } }],
  ['DELETE on a missing file: still 405', '/vod/none.mp4', { method: 'DELETE' }, { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } }],
  ['OPTIONS preflight from a listed origin', '/vod/nine.mp4', { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } }, {
    status: 204,
    headers: { 'access-control-allow-origin': ORIGIN, 'access-control-allow-headers': /Range/, 'access-control-allow-methods': /GET/, allow: 'GET, HEAD, OPTIONS' },
    body: '',
  }],
  ['OPTIONS from an unlisted origin', '/vod/nine.mp4', { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } }, { status: 204, headers: { 'access-control-allow-origin': null } }],
  ['CORS on a range response', '/vod/nine.mp4', { headers: { Origin: ORIGIN, Range: 'bytes=0-1' } }, {
    status: 206,
    headers: { 'access-control-allow-origin': ORIGIN, 'access-control-expose-headers': /Content-Range.*Accept-Ranges.*Content-Length.*ETag/, vary: 'Origin' },
    body: '12',
  }],
  ['no CORS for an unlisted origin', '/vod/nine.mp4', { headers: { Origin: 'https://evil.example' } }, { status: 200, headers: { 'access-control-allow-origin': null, vary: 'Origin' } }],
  ['empty file', '/vod/empty.mp3', {}, { status: 200, headers: { 'content-length': '0', 'content-type': 'audio/mpeg', 'accept-ranges': 'bytes' }, body: '' }],
  ['empty file, bytes=0-', '/vod/empty.mp3', { headers: { Range: 'bytes=0-' } }, unsat(0)],
  ['empty file, suffix range: 200 empty', '/vod/empty.mp3', { headers: { Range: 'bytes=-5' } }, { status: 200, headers: { 'content-length': '0' }, body: '' }],
  ['1000 bytes, last 10', '/vod/thousand.bin', { headers: { Range: 'bytes=990-' } }, { status: 206, headers: { ...part(990, 999, 1000), 'content-type': 'application/octet-stream' }, body: THOUSAND.subarray(990) }],
  ['1000 bytes, three parts', '/vod/thousand.bin', { headers: { Range: 'bytes=0-99,500-599,-50' } }, { status: 206, body: parts(THOUSAND, [[0, 99], [500, 599], [950, 999]], 'application/octet-stream') }],
  ['1000 bytes, whole', '/vod/thousand.bin', {}, { status: 200, headers: { 'content-length': '1000' }, body: THOUSAND }],
  ['missing file: 404 JSON', '/vod/none.mp4', {}, { status: 404, headers: { 'content-type': /^application\/json/, 'cache-control': 'no-store' }, body: '{"error":{"code":"NOT_FOUND","message":"no such file"}}' }],
  ['directory: 404', '/vod/sub', {}, { status: 404 }],
];

describe('GET|HEAD /vod/ policy against a real server', () => {
  it.each(rows)('%s', async (_name, urlPath, req, exp) => {
    const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k, v.replace(ETAG, etag)]));
    const res = await request(server.port, urlPath, { method: req.method ?? 'GET', headers });
    expect(res.status).toBe(exp.status);
    for (const [name, want] of Object.entries(exp.headers ?? {})) {
      const got = res.headers[name];
      if (want === null) expect(got, name).toBeUndefined();
      else if (want instanceof RegExp) expect(String(got), name).toMatch(want);
      else expect(got, name).toBe(want);
    }
    if (typeof exp.body === 'function') exp.body(res);
    else if (typeof exp.body === 'string') expect(res.body.toString('latin1')).toBe(exp.body);
    else if (exp.body) expect(res.body.equals(exp.body)).toBe(true);
  });

  it('changes the ETag when the file changes, and a stale If-Range then gets the whole file', async () => {
    const file = path.join(root, 'changing.mp4');
    writeFileSync(file, 'aaaa');
    const first = await request(server.port, '/vod/changing.mp4', { method: 'HEAD' });
    writeFileSync(path.join(root, 'changing.tmp'), 'bbbb');
    // Replace like an editor or ffmpeg would: new inode, same size.
    const { renameSync } = await import('node:fs');
    renameSync(path.join(root, 'changing.tmp'), file);
    const second = await request(server.port, '/vod/changing.mp4', { headers: { Range: 'bytes=0-0', 'If-Range': String(first.headers.etag) } });
    expect(second.headers.etag).not.toBe(first.headers.etag);
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe('bbbb');
  });

  it('serves ranges beyond 4 GiB exactly', async () => {
    const size = 5 * 2 ** 30 + 9; // sparse: costs no disk
    const file = path.join(root, 'huge.bin');
    writeFileSync(file, '');
    truncateSync(file, size);
    const fd = openSync(file, 'r+');
    writeSync(fd, NINE, 0, 9, size - 9);
    writeSync(fd, Buffer.from('XY'), 0, 2, 2 ** 32); // just past the 32-bit boundary
    closeSync(fd);
    const head = await request(server.port, '/vod/huge.bin', { method: 'HEAD' });
    expect(head.headers['content-length']).toBe(String(size));
    const tail = await request(server.port, '/vod/huge.bin', { headers: { Range: 'bytes=-9' } });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes ${size - 9}-${size - 1}/${size}`);
    expect(tail.body.toString()).toBe('123456789');
    const mid = await request(server.port, '/vod/huge.bin', { headers: { Range: `bytes=${2 ** 32 - 1}-${2 ** 32 + 1}` } });
    expect(mid.headers['content-range']).toBe(`bytes ${2 ** 32 - 1}-${2 ** 32 + 1}/${size}`);
    expect([...mid.body]).toEqual([0, 0x58, 0x59]);
    const past = await request(server.port, '/vod/huge.bin', { headers: { Range: `bytes=${Number.MAX_SAFE_INTEGER + 2}-` } });
    expect(past.status).toBe(416);
    rmSync(file);
  });
});

describe('hostile paths', () => {
  const list = hostilePaths(path.join(tmp, 'secret.txt'));
  it('has at least 20 of them', () => expect(list.length).toBeGreaterThanOrEqual(20));

  it.each(list)('%s: 4xx and never a byte of the secret', async (p) => {
    for (const headers of [{}, { Range: 'bytes=0-' }] as Array<Record<string, string>>) {
      const res = await request(server.port, `/vod/${p}`, { headers });
      expect([400, 404], `${p} → ${res.status}`).toContain(res.status);
      expect(res.body.includes(SECRET)).toBe(false);
    }
  });
});

/** Open descriptors of this process (Linux). */
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('aborted requests', () => {
  it('200 aborted range requests leave no open file descriptors', async () => {
    await request(server.port, '/vod/big.bin', { headers: { Range: 'bytes=0-0' } }); // warm up lazy handles
    const before = openFds();
    const abortOne = (i: number) =>
      new Promise<void>((resolve) => {
        const start = (i * 4099) % 1_000_000;
        const req = http.request({ host: '127.0.0.1', port: server.port, path: '/vod/big.bin', agent: false, headers: i % 3 === 0 ? { Range: `bytes=${start}-,0-0` } : { Range: `bytes=${start}-` } }, (res) => {
          res.once('data', () => {
            req.destroy(); // the player seeks away mid-body
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end();
      });
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => abortOne(batch * 20 + j)));
    }
    // Server-side closes happen asynchronously after the client leaves: settle, then compare.
    const deadline = Date.now() + 5000;
    while (openFds() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
