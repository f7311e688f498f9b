/**
 * Starts the real server (`node --import tsx server/main.ts`) as a child process, the way an operator
 * runs it, for tests that attack it from outside. A separate process matters: a crash shows as the
 * child exiting (with its stack in the captured output) and cannot take the test runner down.
 *
 * Each server gets its own work directory: `media/` (with a small clip, so main.ts does not spend a
 * core generating its 60 s sample), `cache/` (so nothing is written into the repository) and the
 * config file. Only loopback: the server listens on 127.0.0.1.
 *
 * Also here, because every attack test needs them: a free / closed port, and a raw TCP exchange for
 * requests no HTTP client would send.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FfmpegBinaries } from '../../server/ffmpeg/locate.js';

const run = promisify(execFile);

/** The repository root: the server runs from here so its default paths (dist/web) resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = path.join(REPO_ROOT, 'server', 'main.ts');
/** Captured output is kept up to this many characters (a debug log over a minute stays far below). */
const OUTPUT_CAP = 32 * 1024 * 1024;

// ---- ports ---------------------------------------------------------------------------------------

/**
 * A port that was free a moment ago: bind 127.0.0.1:0, read the port, close. Nobody listens on it
 * afterwards, so it doubles as a "connection refused" target for failing sources.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// ---- work directory ------------------------------------------------------------------------------

export interface WorkDir {
  /** The temporary root; `media/` and `cache/` are inside, anything else may go next to them. */
  dir: string;
  mediaDir: string;
  cacheDir: string;
  remove(): void;
}

let clipOnce: Promise<string> | null = null;
/** Bump when the clip's recipe changes, so a stale cached copy is not reused. */
const CLIP_VERSION = 1;

/**
 * A 6 s 192×108 H.264/AAC clip (about 80 KB) with a keyframe every second. Made once (~0.5 s of
 * CPU) into the system temp folder and reused by later runs; written under a temporary name and
 * renamed, so a half-written clip is never used.
 */
export function sampleClip(ffmpeg: FfmpegBinaries): Promise<string> {
  clipOnce ??= (async () => {
    const file = path.join(os.tmpdir(), `pushcast-attack-clip-v${CLIP_VERSION}.mp4`);
    if (existsSync(file)) return file;
    const partial = `${file}.${process.pid}.partial.mp4`;
    await run(ffmpeg.ffmpeg, [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=192x108:rate=25:duration=6',
      '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=6',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '38', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
      '-c:a', 'aac', '-b:a', '32k', '-movflags', '+faststart', '-shortest', partial,
    ], { timeout: 60_000 });
    renameSync(partial, file);
    return file;
  })();
  return clipOnce;
}

/** A fresh work directory; with `clip` (default true) media/ holds clip.mp4 (channel `clip`). */
export async function makeWorkDir(ffmpeg: FfmpegBinaries, { clip = true } = {}): Promise<WorkDir> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pushcast-attack-'));
  const mediaDir = path.join(dir, 'media');
  const cacheDir = path.join(dir, 'cache');
  mkdirSync(mediaDir);
  mkdirSync(cacheDir);
  if (clip) copyFileSync(await sampleClip(ffmpeg), path.join(mediaDir, 'clip.mp4'));
  return { dir, mediaDir, cacheDir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---- the server ----------------------------------------------------------------------------------

export interface SpawnOptions {
  ffmpeg: FfmpegBinaries;
  /** Reuse a prepared work directory (it is not removed on stop); default: a fresh one with the clip. */
  work?: WorkDir;
  /** Config file fields; `cacheDir` defaults to the work directory's cache/. */
  config?: Record<string, unknown>;
  /** Extra CLI flags, e.g. ['--channel', 'cam=rtsp://…']. */
  args?: string[];
  /** LOG_LEVEL for the server; default warn. */
  logLevel?: string;
  /** CONTROL_TOKEN; default a random one the test can read back as `controlToken`. */
  controlToken?: string;
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedServer {
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port>/ws */
  readonly wsUrl: string;
  readonly work: WorkDir;
  readonly controlToken: string;
  /** Resolves when the process exits, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** Everything it wrote to stdout and stderr so far, interleaved in arrival order. */
  output(): string;
  /** The last `chars` characters of the output, for failure messages. */
  tail(chars?: number): string;
  /** null while it runs. */
  exitInfo(): ExitInfo | null;
  alive(): boolean;
  /** Resident set size in bytes (VmRSS from /proc/<pid>/status); NaN when unavailable. */
  rssBytes(): number;
  /** GET a path; status 0 when no answer came within timeoutMs. */
  get(pathname: string, headers?: http.OutgoingHttpHeaders, timeoutMs?: number): Promise<HttpAnswer>;
  /** SIGTERM, then SIGKILL to its whole process group (ffmpeg children too) after timeoutMs. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

const running = new Set<ChildProcess>();
// A test runner that dies (or forgets a stop) must not leave servers and their ffmpegs behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // detached: the server leads its own group, so this reaches its ffmpeg children and no one else.
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** One GET over a fresh connection (no agent), never throwing. */
export function httpGet(url: string, headers: http.OutgoingHttpHeaders = {}, timeoutMs = 5_000): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const none: HttpAnswer = { status: 0, headers: {}, body: Buffer.alloc(0), text: '' };
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(none));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(none));
  });
}

export async function spawnServer(opts: SpawnOptions): Promise<SpawnedServer> {
  const ownWork = opts.work === undefined;
  const work = opts.work ?? (await makeWorkDir(opts.ffmpeg));
  const port = await freePort();
  const controlToken = opts.controlToken ?? `attack-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const configFile = path.join(work.dir, `config-${port}.json`);
  writeFileSync(configFile, JSON.stringify({ cacheDir: work.cacheDir, ...opts.config }, null, 2));

  const args = ['--import', 'tsx', MAIN, '--port', String(port), '--host', '127.0.0.1', '--media', work.mediaDir, '--data', path.join(work.dir, 'data'), '--config', configFile, ...(opts.args ?? [])];
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: undefined,
    HOST: undefined,
    MEDIA_DIR: undefined,
    ALLOWED_ORIGINS: undefined,
    FFMPEG_PATH: opts.ffmpeg.ffmpeg,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    CONTROL_TOKEN: controlToken,
    ...opts.env,
  };
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let out = '';
  const append = (d: Buffer): void => {
    if (out.length < OUTPUT_CAP) out += d.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exit: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      // Whatever the server left running (it may have crashed): stop its process group too.
      killGroup(child, 'SIGKILL');
      resolve(exit);
    });
  });
  const url = `http://127.0.0.1:${port}`;

  const server: SpawnedServer = {
    pid: child.pid ?? -1,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    work,
    controlToken,
    exited,
    output: () => out,
    tail: (chars = 4_000) => out.slice(-chars),
    exitInfo: () => exit,
    alive: () => exit === null,
    rssBytes: () => {
      try {
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    get: (pathname, headers = {}, timeoutMs = 5_000) => httpGet(`${url}${pathname}`, headers, timeoutMs),
    async stop(timeoutMs = 10_000) {
      if (exit === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      if (ownWork) work.remove();
      return exit as unknown as ExitInfo;
    },
  };

  // Ready once /api/health answers 200; a child that exits first fails with its output.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exit !== null) {
      throw new Error(`server exited before it was ready (${JSON.stringify(exit)}):\n${server.tail()}`);
    }
    if ((await server.get('/api/health', {}, 1_000)).status === 200) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`server not ready within ${opts.readyTimeoutMs ?? 30_000} ms:\n${server.tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- raw TCP -------------------------------------------------------------------------------------

export interface RawAnswer {
  /** Everything the server sent before it closed or the timeout hit. */
  data: Buffer;
  /** The status code of the first response line, 0 when none arrived. */
  status: number;
  /** true when the server closed the connection (FIN or reset), false on timeout. */
  closed: boolean;
}

/**
 * Writes `request` as raw bytes to 127.0.0.1:port and collects the answer until the server closes
 * or `timeoutMs` passes (then it is destroyed). `stopAfterHead` returns as soon as the response head
 * is complete (a 101 keeps the connection open). Never throws.
 */
export function rawExchange(port: number, request: string | Buffer, { timeoutMs = 3_000, stopAfterHead = false } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 64).toString('latin1'));
      resolve({ data, status: m ? Number(m[1]) : 0, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (stopAfterHead && Buffer.concat(chunks).includes('\r\n\r\n')) finish(false);
    });
    socket.on('connect', () => socket.write(request));
  });
}

/** A syntactically valid WebSocket upgrade request (RFC 6455 §4.1) for `target`, with extra header lines. */
export function upgradeRequest(target: string, host: string, extra: Record<string, string> = {}): string {
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
