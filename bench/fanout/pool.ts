/**
 * The fan-out benchmark's load generator: `--workers` forked processes (worker.ts), the viewers
 * spread evenly over them so no single event loop decides what the server seems to deliver. The
 * pool sums their status reports and gathers their data at the end of a window.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR } from '../lib/report.js';
import type { PeerKind, ToWorker, WorkerData, WorkerStatus } from './worker.js';

export interface PoolOptions {
  kind: PeerKind;
  url: string;
  origin: string | null;
  channel: string;
  viewers: number;
  workers: number;
  /** Viewers per second over all workers while ramping up. */
  rampPerSec: number;
}

export interface Pool {
  /** Sum of the latest status of every worker. */
  status(): Omit<WorkerStatus, 'type'>;
  send(msg: ToWorker): void;
  /** Asks every worker for its data of the window [from, to]; a worker that does not answer in time is left out. */
  collect(from: number, to: number, timeoutMs?: number): Promise<WorkerData[]>;
  /** The worker processes, for their CPU in /proc. */
  pids(): number[];
  /** Workers that exited before being stopped, with their exit code. */
  crashed(): string[];
  stop(): Promise<void>;
}

const STEP_MS = 100;
/** Every worker ever forked, so the benchmark's `finally` can kill what a failed case left behind. */
export const liveWorkers = new Set<ChildProcess>();

export function killAllWorkers(): void {
  for (const c of liveWorkers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  liveWorkers.clear();
}

export function startPool(o: PoolOptions): Pool {
  const n = Math.max(1, Math.min(o.workers, o.viewers));
  const statuses: WorkerStatus[] = [];
  const crashes: string[] = [];
  let stopping = false;
  const children = Array.from({ length: n }, (_, i) => {
    const count = Math.floor(o.viewers / n) + (i < o.viewers % n ? 1 : 0);
    // execArgv is inherited, so the child runs under the same tsx loader as the benchmark.
    const child = fork(path.join(BENCH_DIR, 'fanout', 'worker.ts'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    liveWorkers.add(child);
    statuses[i] = { type: 'status', open: 0, receiving: 0, closed: 0, errors: {} };
    child.on('message', (m: WorkerStatus | WorkerData) => { if (m.type === 'status') statuses[i] = m; });
    child.once('exit', (code, signal) => {
      liveWorkers.delete(child);
      if (!stopping) crashes.push(`worker ${i} exited (${code ?? signal})`);
    });
    const batch = Math.max(1, Math.round((o.rampPerSec / n) * (STEP_MS / 1000)));
    const start: ToWorker = { type: 'start', kind: o.kind, url: o.url, origin: o.origin, channel: o.channel, count, batch, stepMs: STEP_MS };
    child.send(start);
    return child;
  });

  const send = (msg: ToWorker): void => {
    for (const c of children) if (c.connected) c.send(msg);
  };
  return {
    status() {
      const errors: Record<string, number> = {};
      for (const s of statuses) for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
      const sum = (f: (s: WorkerStatus) => number): number => statuses.reduce((a, s) => a + f(s), 0);
      return { open: sum((s) => s.open), receiving: sum((s) => s.receiving), closed: sum((s) => s.closed), errors };
    },
    send,
    async collect(from, to, timeoutMs = 30_000) {
      const answers = children.filter((c) => c.connected).map((c) => new Promise<WorkerData | null>((resolve) => {
        const timer = setTimeout(() => { c.off('message', on); resolve(null); }, timeoutMs);
        const on = (m: WorkerStatus | WorkerData): void => {
          if (m.type !== 'data') return;
          clearTimeout(timer);
          c.off('message', on);
          resolve(m);
        };
        c.on('message', on);
        c.send({ type: 'collect', from, to } satisfies ToWorker);
      }));
      return (await Promise.all(answers)).filter((d): d is WorkerData => d !== null);
    },
    pids: () => children.map((c) => c.pid!).filter(Boolean),
    crashed: () => crashes,
    async stop() {
      stopping = true;
      send({ type: 'stop' });
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        const t = setTimeout(() => c.kill('SIGKILL'), 3000);
        c.once('exit', () => { clearTimeout(t); resolve(); });
      })));
    },
  };
}
