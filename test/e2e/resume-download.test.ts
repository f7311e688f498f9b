/**
 * End-to-end: a download from /vod/ that is cut off half-way (a proxy drops the connection) resumes
 * with the real `curl -C -` (a Range request from the size of the partial file, answered 206) and
 * the result is byte-identical to the file on disk (sha256). Locally a missing curl skips these
 * with a note; under CI=true it is a failure (.ci/run installs curl).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../server/sample-media.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ffmpeg = await findTestFfmpeg();

function curlAvailable(): boolean {
  if (spawnSync('curl', ['--version']).status === 0) return true;
  if (process.env['CI'] === 'true') throw new Error('CI=true but curl is missing (apt-get install curl)');
  process.stderr.write('[test] no curl on PATH, skipping the resumable download tests\n');
  return false;
}
const curlOk = curlAvailable();

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const sizeOf = (file: string): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

/** `curl -C - -o <out> <url>`; resolves with the HTTP status curl saw. */
async function resume(url: string, out: string): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '-f', '-C', '-', '-o', out, '-w', '%{http_code}', url], { timeout: 60_000 });
  return stdout.trim();
}

/**
 * A TCP proxy to `target` that closes each connection once `cutAfter` bytes of the answer (headers
 * included) have gone to the client: a download interrupted at a known point, with no timing games.
 */
async function cuttingProxy(target: URL, cutAfter: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      const room = cutAfter - sent;
      sent += chunk.length;
      if (room > chunk.length) {
        client.write(chunk);
        return;
      }
      client.end(chunk.subarray(0, Math.max(0, room)));
      upstream.destroy();
    });
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!ffmpeg || !curlOk)('resumable download with curl -C -', () => {
  let server: TestServer;
  let original: string;
  let url: string;
  const media = tempDir();
  const downloads = tempDir('pushcast-download-');

  beforeAll(async () => {
    original = path.join(media.dir, 'clip.mp4');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: original, durationSec: 8 });
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, cacheDir: path.join(media.dir, '.cache'), testPattern: false });
    url = `${server.url}/vod/clip.mp4`;
  });
  afterAll(async () => {
    await server?.close();
    media.remove();
    downloads.remove();
  });

  it('resumes a download cut off mid-body into an identical file', async () => {
    const out = path.join(downloads.dir, 'cut.mp4');
    const total = sizeOf(original);
    expect(total).toBeGreaterThan(500_000);
    // Through a proxy that drops the connection after 300 kB: curl keeps the partial file (exit 18).
    const proxy = await cuttingProxy(new URL(server.url), 300_000);
    try {
      const cut = await run('curl', ['-sS', '-o', out, `${proxy.url}/vod/clip.mp4`], { timeout: 30_000 }).then(() => 0, (err: { code?: number }) => err.code);
      expect(cut).toBe(18); // CURLE_PARTIAL_FILE
    } finally {
      await proxy.close();
    }
    const partial = sizeOf(out);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(total);

    expect(await resume(url, out)).toBe('206');
    expect(sizeOf(out)).toBe(total);
    expect(sha256(out)).toBe(sha256(original));
  });

  it('resumes from an odd byte boundary (curl -r) into an identical file', async () => {
    const out = path.join(downloads.dir, 'ranged.mp4');
    await run('curl', ['-sS', '-f', '-r', '0-12344', '-o', out, url], { timeout: 30_000 });
    expect(sizeOf(out)).toBe(12_345);

    expect(await resume(url, out)).toBe('206');
    expect(sha256(out)).toBe(sha256(original));
  });
});
