/** Starts the real app on 127.0.0.1 with a random port, and a small WebSocket client for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { DEFAULTS, type Config } from '../../server/runtime/config.js';
import type { FfmpegBinaries } from '../../server/ffmpeg/locate.js';
import { createLogger } from '../../server/runtime/log.js';
import { createApp, type App } from '../../server/server.js';
import type { ServerMessage } from '../../server/core/protocol.js';

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'pushcast-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The real app on a random port. Its state goes to a fresh temporary data folder, removed on
 * close, unless `overrides.dataDir` names one (a test that restarts the server on the same state).
 */
export async function startTestServer(ffmpeg: FfmpegBinaries, overrides: Partial<Config> = {}): Promise<TestServer> {
  const data = overrides.dataDir === undefined ? tempDir('pushcast-data-') : null;
  const config: Config = { ...DEFAULTS, host: '127.0.0.1', port: 0, idleStopMs: 500, ...(data ? { dataDir: data.dir } : {}), ...overrides };
  const app = createApp({ config, ffmpeg, log: createLogger('test') });
  const { port } = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    await app.close();
    data?.remove();
  };
  return { app, url, wsUrl: `ws://127.0.0.1:${port}/ws`, close };
}

export type Received = { kind: 'text'; msg: ServerMessage } | { kind: 'binary'; data: Buffer; at: number };

/**
 * A WebSocket client for tests. Every frame is kept in arrival order (`frames`, text parsed as
 * JSON). `next*()` read forward from a cursor, skipping what they do not want; `find()` searches
 * from any position without moving the cursor, for messages whose relative order may vary.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Received[] = [];
  private cursor = 0;
  private wakers: Array<() => void> = [];
  private opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      this.frames.push(isBinary ? { kind: 'binary', data, at: Date.now() } : { kind: 'text', msg: JSON.parse(String(data)) as ServerMessage });
      for (const wake of this.wakers.splice(0)) wake();
    });
  }

  open(): Promise<void> {
    return this.opened;
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The first frame at or after index `from` that matches, with its index; waits for it. */
  async find(match: (r: Received) => boolean, from = 0, timeoutMs = 15_000): Promise<{ frame: Received; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let i = from; ; i++) {
      while (i >= this.frames.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.wakers.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      const frame = this.frames[i] as Received;
      if (match(frame)) return { frame, index: i };
    }
  }

  /** The next frame after the cursor. */
  async next(timeoutMs = 15_000): Promise<Received> {
    const { frame, index } = await this.find(() => true, this.cursor, timeoutMs);
    this.cursor = index + 1;
    return frame;
  }

  /** Skips frames until a text message of `type` arrives (failing on timeout). */
  async nextText<T extends ServerMessage['type']>(type: T, timeoutMs = 15_000): Promise<Extract<ServerMessage, { type: T }>> {
    const { frame, index } = await this.find((r) => r.kind === 'text' && r.msg.type === type, this.cursor, timeoutMs);
    this.cursor = index + 1;
    return (frame as { msg: ServerMessage }).msg as Extract<ServerMessage, { type: T }>;
  }

  async nextBinary(timeoutMs = 15_000): Promise<Buffer> {
    const { frame, index } = await this.find((r) => r.kind === 'binary', this.cursor, timeoutMs);
    this.cursor = index + 1;
    return (frame as { data: Buffer }).data;
  }

  /** Returns what arrived since the cursor and moves the cursor past it. */
  drain(): Received[] {
    const rest = this.frames.slice(this.cursor);
    this.cursor = this.frames.length;
    return rest;
  }

  close(): void {
    this.ws.close();
  }
}
