/**
 * What the comment integration tests share: a media folder with a short file channel (`clip`),
 * the real server on it (the test pattern is the live channel `test`), HTTP requests that may come
 * from any loopback address (the POST budget is per address, so each test takes its own), and the
 * channel commands that put the shared playhead where a test wants it.
 */
import http from 'node:http';
import path from 'node:path';
import type { ChannelInfo } from '../../../server/core/protocol.js';
import type { FfmpegBinaries } from '../../../server/ffmpeg/locate.js';
import type { Config } from '../../../server/runtime/config.js';
import { generateSample } from '../../../server/sample-media.js';
import { startTestServer, tempDir, type TestServer } from '../../helpers/server.js';

export const TOKEN = 'comments-test-token';
export const CLIP_SEC = 8;

export async function makeMedia(ffmpeg: FfmpegBinaries): Promise<{ dir: string; remove(): void }> {
  const media = tempDir('pushcast-media-');
  await generateSample({ ffmpeg: ffmpeg.ffmpeg, file: path.join(media.dir, 'clip.mp4'), durationSec: CLIP_SEC });
  return media;
}

export function startServer(ffmpeg: FfmpegBinaries, mediaDir: string, overrides: Partial<Config> = {}): Promise<TestServer> {
  return startTestServer(ffmpeg, { mediaDir, controlToken: TOKEN, ...overrides });
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

let nextAddress = 2;
/** A loopback address no other request of this process used: a client with a fresh budget. */
export function freshAddress(): string {
  const n = nextAddress++;
  return `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}`;
}

/** One HTTP request from `from` (a loopback address, 127.0.0.1 by default). */
export function call(
  server: TestServer, method: string, pathname: string,
  opts: { body?: string | object; headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
  const url = new URL(pathname, server.url);
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, localAddress: opts.from ?? '127.0.0.1',
      headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: the test looks at text */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The error code of an error answer, or null. */
export function codeOf(a: Answer): string | null {
  return (a.json as { error?: { code?: string } } | null)?.error?.code ?? null;
}

/** Waits until the file channel knows its length (it can seek), then seeks it to `position` and pauses it. */
export async function pauseAt(server: TestServer, channel: string, position: number): Promise<ChannelInfo> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const info = (await call(server, 'GET', `/api/channels/${channel}`)).json as ChannelInfo;
    if (info.seekable) break;
    if (Date.now() > deadline) throw new Error(`${channel} never became seekable`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const auth = { Authorization: `Bearer ${TOKEN}` };
  for (const command of [{ type: 'pause' }, { type: 'seek', position }]) {
    const a = await call(server, 'POST', `/api/channels/${channel}/commands`, { body: command, headers: auth });
    if (a.status !== 200) throw new Error(`${command.type}: ${a.status} ${a.text}`);
  }
  return (await call(server, 'GET', `/api/channels/${channel}`)).json as ChannelInfo;
}
