/**
 * server/health.ts: the readiness policy is a pure function of injected checks; the two file
 * system checks run against real temp files; the handlers answer over a real loopback server.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createHealthRoutes, executableCheck, liveness, readableDirCheck, readiness, runCheck, runChecks, type Check, type CheckResult,
} from '../../../server/api/health.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pushcast-health-'));
const exe = path.join(dir, 'ffmpeg');
const plain = path.join(dir, 'plain.txt');
writeFileSync(exe, '#!/bin/sh\n');
chmodSync(exe, 0o755);
writeFileSync(plain, 'x');
chmodSync(plain, 0o644);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('liveness and readiness policy', () => {
  it('liveness is always 200 { ok: true }', () => {
    expect(liveness()).toEqual({ status: 200, body: { ok: true } });
  });

  it.each<[string, Record<string, CheckResult>, 200 | 503]>([
    ['all pass', { ffmpeg: { ok: true }, media: { ok: true } }, 200],
    ['no checks', {}, 200],
    ['one fails', { ffmpeg: { ok: false, error: 'ENOENT' }, media: { ok: true } }, 503],
    ['all fail', { ffmpeg: { ok: false, error: 'EACCES' }, media: { ok: false, error: 'timeout' } }, 503],
  ])('%s → %s with every check listed', (_name, results, status) => {
    expect(readiness(results)).toEqual({ status, body: { ok: status === 200, checks: results } });
  });
});

describe('runCheck', () => {
  it.each<[string, Check, CheckResult]>([
    ['passes', () => ({ ok: true }), { ok: true }],
    ['async pass', async () => ({ ok: true }), { ok: true }],
    ['reports a failure', () => ({ ok: false, error: 'ENOSPC' }), { ok: false, error: 'ENOSPC' }],
    ['a throw with a code → the code', () => { throw Object.assign(new Error('open /secret/path'), { code: 'EACCES' }); }, { ok: false, error: 'EACCES' }],
    ['a throw without a code → failed (no message: it could carry a path)', () => { throw new Error('/secret/path'); }, { ok: false, error: 'failed' }],
    ['a rejection', () => Promise.reject(new Error('x')), { ok: false, error: 'failed' }],
    ['never settles → timeout', () => new Promise<CheckResult>(() => {}), { ok: false, error: 'timeout' }],
  ])('%s', async (_name, check, expected) => {
    expect(await runCheck(check, 50)).toEqual(expected);
  });

  it('runs checks in parallel: two slow checks take one timeout, not two', async () => {
    const slow: Check = () => new Promise<CheckResult>(() => {});
    const started = Date.now();
    const results = await runChecks({ a: slow, b: slow, c: () => ({ ok: true }) }, 300);
    expect(results).toEqual({ a: { ok: false, error: 'timeout' }, b: { ok: false, error: 'timeout' }, c: { ok: true } });
    // One 300 ms timeout plus scheduling slack on a loaded machine; two in series would be ≥ 600 ms.
    expect(Date.now() - started).toBeLessThan(590);
  });
});

describe('file system checks', () => {
  it.each<[string, Check, CheckResult]>([
    ['an executable file', executableCheck(exe), { ok: true }],
    ['a missing file', executableCheck(path.join(dir, 'missing')), { ok: false, error: 'ENOENT' }],
    ['a readable directory', readableDirCheck(dir), { ok: true }],
    ['a missing directory', readableDirCheck(path.join(dir, 'nope')), { ok: false, error: 'ENOENT' }],
    ['a file, not a directory', readableDirCheck(plain), { ok: false, error: 'ENOTDIR' }],
  ])('%s', async (_name, check, expected) => {
    expect(await runCheck(check)).toEqual(expected);
  });

  // Even root (CI runs as root) may only execute a file with some execute bit set.
  it('a file without any execute bit is not executable', async () => {
    expect(await runCheck(executableCheck(plain))).toEqual({ ok: false, error: 'EACCES' });
  });
});

describe('routes over HTTP', () => {
  let server: http.Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function serve(checks: Record<string, Check>): Promise<string> {
    const routes = createHealthRoutes(checks, 500);
    server = http.createServer((req, res) => {
      if (req.url === '/healthz') routes.healthz(req, res);
      else void routes.readyz(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('/healthz 200, /readyz 200 when ffmpeg and the media dir are fine', async () => {
    const base = await serve({ ffmpeg: executableCheck(exe), mediaDir: readableDirCheck(dir) });
    const live = await fetch(`${base}/healthz`);
    expect(live.status).toBe(200);
    expect(live.headers.get('cache-control')).toBe('no-store');
    expect(await live.json()).toEqual({ ok: true });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { ffmpeg: { ok: true }, mediaDir: { ok: true } } });
  });

  it('/readyz 503 naming the failed check, without its path; /healthz still 200', async () => {
    const missing = path.join(dir, 'no-such-media');
    const base = await serve({ ffmpeg: executableCheck(exe), mediaDir: readableDirCheck(missing) });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const text = await ready.text();
    expect(JSON.parse(text)).toEqual({ ok: false, checks: { ffmpeg: { ok: true }, mediaDir: { ok: false, error: 'ENOENT' } } });
    expect(text).not.toContain(missing);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('HEAD has no body; POST is 405', async () => {
    const base = await serve({});
    const head = await fetch(`${base}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const p of ['/healthz', '/readyz']) {
      const post = await fetch(`${base}${p}`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    }
  });
});
