/** Starts the real app on 127.0.0.1 with a random port, and a small WebSocket client for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { DEFAULTS, type Config } from '../../server/config.js';
import type { FfmpegBinaries } from '../../server/ffmpeg/locate.js';
import { createLogger } from '../../server/log.js';
import { createApp, type App } from '../../server/server.js';
import type { ServerMessage } from '../../server/protocol.js';

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

export async function startTestServer(ffmpeg: FfmpegBinaries, overrides: Partial<Config> = {}): Promise<TestServer> {
  const config: Config = { ...DEFAULTS, host: '127.0.0.1', port: 0, idleStopMs: 500, ...overrides };
  const app = createApp({ config, ffmpeg, log: createLogger('test') });
  const { port } = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  return { app, url, wsUrl: `ws://127.0.0.1:${port}/ws`, close: () => app.close() };
}

export type Received = { kind: 'text'; msg: ServerMessage } | { kind: 'binary'; data: Buffer; at: number };

/** A WebSocket client whose next() resolves with the next frame (text parsed as JSON). */
export class TestClient {
  readonly ws: WebSocket;
  private queue: Received[] = [];
  private waiters: Array<(r: Received) => void> = [];
  private opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      const r: Received = isBinary ? { kind: 'binary', data, at: Date.now() } : { kind: 'text', msg: JSON.parse(String(data)) as ServerMessage };
      const w = this.waiters.shift();
      if (w) w(r);
      else this.queue.push(r);
    });
  }

  open(): Promise<void> {
    return this.opened;
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  next(timeoutMs = 15_000): Promise<Received> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((got) => {
        clearTimeout(timer);
        resolve(got);
      });
    });
  }

  /** Skips frames until a text message of `type` arrives (failing on timeout). */
  async nextText<T extends ServerMessage['type']>(type: T, timeoutMs = 15_000): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.next(Math.max(1, deadline - Date.now()));
      if (r.kind === 'text' && r.msg.type === type) return r.msg as Extract<ServerMessage, { type: T }>;
    }
  }

  async nextBinary(timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.next(Math.max(1, deadline - Date.now()));
      if (r.kind === 'binary') return r.data;
    }
  }

  /** Drops what has been received so far. */
  drain(): Received[] {
    const all = this.queue;
    this.queue = [];
    return all;
  }

  close(): void {
    this.ws.close();
  }
}
