/**
 * Graceful shutdown of the real process, judged from outside: with a viewer on the test pattern,
 * a viewer of a file channel whose ffmpeg was just replaced by a seek, and a slow download in
 * flight, SIGTERM ends the process with status 0 within a bounded time, every WebSocket is closed
 * with 1001, the download is finished (every byte), and no ffmpeg / ffprobe child outlives it.
 * A second signal forces the exit at once.
 *
 * The server is spawned here without a process group kill afterwards (unlike spawn-server.ts), so
 * an orphaned child would really be left behind and seen.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { REPO_ROOT, freePort, makeWorkDir, type WorkDir } from '../helpers/spawn-server.js';

const ffmpeg = await findTestFfmpeg();
const MAIN = path.join(REPO_ROOT, 'server', 'main.ts');
const TOKEN = 'shutdown-test-token';
const CODECS = ['avc1.64001F', 'avc1.640028', 'avc1.42E01E', 'mp4a.40.2'];

interface Started { child: ChildProcess; port: number; output: () => string; exited: Promise<{ code: number | null; signal: string | null; at: number }> }

async function start(work: WorkDir, config: Record<string, unknown>): Promise<Started> {
  const port = await freePort();
  const configFile = path.join(work.dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ cacheDir: work.cacheDir, ...config }));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(port), '--host', '127.0.0.1', '--media', work.mediaDir, '--config', configFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', CONTROL_TOKEN: TOKEN, FFMPEG_PATH: ffmpeg!.ffmpeg },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; });
  child.stderr!.on('data', (d: Buffer) => { out += d; });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  for (const deadline = Date.now() + 30_000; ;) {
    if (Date.now() > deadline) throw new Error(`server did not come up:\n${out}`);
    const ok = await new Promise<boolean>((resolve) => {
      http.get(`http://127.0.0.1:${port}/healthz`, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, output: () => out, exited };
}

/** ffmpeg / ffprobe children of `pid` right now. */
function mediaChildren(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === 'ffmpeg' || comm === 'ffprobe').map(([p]) => Number(p));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Viewer { ws: WebSocket; texts: Array<Record<string, unknown>>; binaries: number; closed: Promise<{ code: number; reason: string }> }

function viewer(port: number, channel: string, token?: string): Viewer {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const v: Viewer = { ws, texts: [], binaries: 0, closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }))) };
  ws.on('error', () => {});
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'hello', codecs: CODECS, ...(token ? { token } : {}) }));
    ws.send(JSON.stringify({ type: 'join', channel }));
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) v.binaries++;
    else v.texts.push(JSON.parse(String(data)) as Record<string, unknown>);
  });
  return v;
}

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !cond();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads a download at about `bytesPerSec`, resolving with the byte count when it ends. */
function slowDownload(url: string, bytesPerSec: number): Promise<{ status: number; bytes: number; complete: boolean }> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      let bytes = 0;
      const started = Date.now();
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const due = started + (bytes / bytesPerSec) * 1000;
        const wait = due - Date.now();
        if (wait > 0) {
          res.pause();
          setTimeout(() => res.resume(), wait);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, bytes, complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, bytes, complete: false }));
    });
    req.on('error', () => resolve({ status: 0, bytes: 0, complete: false }));
  });
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

describe.skipIf(!ffmpeg)('graceful shutdown of the real process', () => {
  it('SIGTERM with viewers, a seek-replaced ffmpeg and a slow download: exit 0, 1001, the download finished, no children left', async () => {
    const work = await makeWorkDir(ffmpeg!);
    cleanup.push(() => work.remove());
    const size = 6 * 1024 * 1024;
    writeFileSync(path.join(work.mediaDir, 'big.bin'), randomBytes(size));
    const server = await start(work, { shutdownTimeoutMs: 8_000, stopTimeoutMs: 2_000 });
    const pid = server.child.pid!;
    cleanup.push(() => { if (alive(pid)) process.kill(pid, 'SIGKILL'); });

    const seen = new Set<number>();
    const watcher = setInterval(() => { for (const p of mediaChildren(pid)) seen.add(p); }, 50);
    cleanup.push(() => clearInterval(watcher));

    const live = viewer(server.port, 'test');
    const file = viewer(server.port, 'clip', TOKEN);
    await until('media on both channels', () => live.binaries > 2 && file.binaries > 2);
    // A far seek replaces the clip's ffmpeg; the old one is still stopping when the signal comes.
    file.ws.send(JSON.stringify({ type: 'seek', id: 1, position: 5 }));
    await until('the seek ack', () => file.texts.some((m) => m['type'] === 'ack' && m['id'] === 1));
    const download = slowDownload(`http://127.0.0.1:${server.port}/vod/big.bin`, 3 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 400));
    for (const p of mediaChildren(pid)) seen.add(p);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const [exit, liveClose, fileClose, got] = await Promise.all([server.exited, live.closed, file.closed, download]);
    clearInterval(watcher);

    expect(exit, server.output()).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(8_000 + 2_000 + 3_000);
    expect(liveClose.code).toBe(1001);
    expect(fileClose.code).toBe(1001);
    expect(got).toEqual({ status: 200, bytes: size, complete: true });
    // Give the kernel a moment to reap, then: nothing the server started may still run.
    await new Promise((r) => setTimeout(r, 300));
    const orphans = [...seen].filter(alive);
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(orphans, `children left running: ${orphans.join(', ')}`).toEqual([]);
  }, 60_000);

  it('a second signal forces the exit at once', async () => {
    const work = await makeWorkDir(ffmpeg!);
    cleanup.push(() => work.remove());
    writeFileSync(path.join(work.mediaDir, 'big.bin'), randomBytes(32 * 1024 * 1024));
    // A long deadline and a download that will not finish in it: only the second signal ends it soon.
    const server = await start(work, { shutdownTimeoutMs: 30_000 });
    const pid = server.child.pid!;
    cleanup.push(() => { if (alive(pid)) process.kill(pid, 'SIGKILL'); });
    const live = viewer(server.port, 'test');
    await until('media', () => live.binaries > 2);
    const children = mediaChildren(pid);
    void slowDownload(`http://127.0.0.1:${server.port}/vod/big.bin`, 256 * 1024);
    await new Promise((r) => setTimeout(r, 500));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(server.child.exitCode).toBeNull(); // still draining the download
    const secondAt = Date.now();
    server.child.kill('SIGINT');
    const exit = await server.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.at - secondAt).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(children.filter(alive)).toEqual([]);
  }, 60_000);
});
