/**
 * Fix-first 6 (issue 9): pushcast's pages could be framed by any site (clickjacking the
 * dashboard's controls) and carried no Content-Security-Policy or Referrer-Policy. Pages must say
 * `frame-ancestors 'self'` (CSP) and `X-Frame-Options: SAMEORIGIN`, `Referrer-Policy: no-referrer`
 * and `X-Content-Type-Options: nosniff`; API and VOD responses nosniff and no-referrer too.
 * The web app is built into a temporary folder for this test (about a second), so the test does
 * not depend on, or disturb, the repository's dist/web.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { REPO_ROOT, spawnServer, type SpawnedServer } from '../../helpers/spawn-server.js';

const ffmpeg = await findTestFfmpeg();
const run = promisify(execFile);

/** The frame-ancestors directive's sources, or null when the policy has none. */
function frameAncestors(csp: string | undefined): string | null {
  const directive = (csp ?? '').split(';').map((d) => d.trim()).find((d) => /^frame-ancestors\b/i.test(d));
  return directive === undefined ? null : directive.replace(/^frame-ancestors\s*/i, '');
}

describe.skipIf(!ffmpeg)('attack: framing and referrer headers', () => {
  let server: SpawnedServer;
  let webDir: string;
  let asset: string;

  beforeAll(async () => {
    webDir = mkdtempSync(path.join(os.tmpdir(), 'pushcast-web-'));
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'error'], { cwd: REPO_ROOT, timeout: 120_000 });
    asset = readdirSync(path.join(webDir, 'assets')).find((f) => f.endsWith('.js')) ?? 'missing.js';
    server = await spawnServer({ ffmpeg: ffmpeg!, config: { webDir } });
  });
  afterAll(async () => {
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  it.each(['/', '/watch/test', '/dashboard'])('page %s may be framed only by its own origin, sends no Referer, is not sniffed', async (p) => {
    const res = await server.get(p);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'];
    expect(csp, 'Content-Security-Policy').toBeDefined();
    expect(frameAncestors(String(csp)), `frame-ancestors in ${csp}`).toBe("'self'");
    expect(String(res.headers['x-frame-options']).toUpperCase()).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a revalidated page (304) carries the same framing policy', async () => {
    const first = await server.get('/dashboard');
    const etag = first.headers['etag'];
    expect(etag).toBeDefined();
    const res = await server.get('/dashboard', { 'If-None-Match': String(etag) });
    expect(res.status).toBe(304);
    expect(frameAncestors(String(res.headers['content-security-policy'] ?? ''))).toBe("'self'");
    expect(String(res.headers['x-frame-options']).toUpperCase()).toBe('SAMEORIGIN');
  });

  it.each([
    ['/api/channels', 200],
    ['/api/health', 200],
    ['/api/channels/test', 200],
    ['/api/channels/no-such-channel', 404],
    ['/api/nothing', 404],
    ['/vod/clip.mp4', 200],
    ['/vod/no-such-file.mp4', 404],
    ['/no-such-page', 404],
  ])('%s (%i) is not sniffed and sends no Referer', async (p, status) => {
    const res = await server.get(p);
    expect(res.status).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('a byte range of a VOD file (206) is not sniffed and sends no Referer', async () => {
    const res = await server.get('/vod/clip.mp4', { Range: 'bytes=0-99' });
    expect(res.status).toBe(206);
    expect(res.body.length).toBe(100);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('a hashed asset is not sniffed', async () => {
    const res = await server.get(`/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
