/**
 * pushcast as the benchmarks run it: the built server (dist/) in its own process on 127.0.0.1, so
 * its CPU and memory can be read from /proc and a crash cannot take the benchmark down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, REPO_ROOT } from './report.js';

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The server's stderr/stdout tail, for error messages. */
  output(): string;
  close(): Promise<void>;
}

export interface PushcastOptions {
  /** Merged over the product defaults (testPattern is off unless set). */
  config?: Record<string, unknown>;
  /** A media folder to serve; a fresh empty one otherwise. */
  mediaDir?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

export async function startPushcast(opts: PushcastOptions = {}): Promise<RunningServer> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pushcast-bench-'));
  const mediaDir = opts.mediaDir ?? path.join(tmp, 'media');
  mkdirSync(mediaDir, { recursive: true });
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), path.join(BENCH_DIR, 'lib', 'pushcast-server.mjs'), path.join(REPO_ROOT, 'dist')], {
    cwd: REPO_ROOT,
    env: { ...process.env, MEDIA_DIR: mediaDir, CACHE_DIR: path.join(tmp, 'cache'), PUSHCAST_BENCH_CONFIG: JSON.stringify(opts.config ?? {}), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
    // stdin stays open for the child's life: it exits when we do (pushcast-server.mjs).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer): void => { out = (out + d.toString()).slice(-4000); };
  child.stderr?.on('data', keep);
  child.on('error', (err) => { out += `\nspawn error: ${err.message}`; });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pushcast did not start in 30 s: ${out}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      keep(d);
      const m = /listening (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`pushcast exited (${code}) before listening: ${out}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    child,
    output: () => out,
    close: async () => {
      await stopChild(child, 5000);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
