/**
 * The server under soak, as an operator runs it: `node dist/server/main.js` in its own process, so
 * its memory and CPU are its own and not the load generator's. Reads them from /proc (Linux only).
 *
 * States:  starting (spawned, waiting for its "viewer: http://…" line) → running → exited
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { parseStatTicks, parseVmRssKb } from './stats.js';

export interface ServerStart {
  /** The built entry point, e.g. dist/server/main.js. */
  entry: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Until the server prints its URL, ms; past it the start fails and the process is killed. */
  readyTimeoutMs: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the stop signal to the exit, ms. */
  ms: number;
  /** True when SIGTERM did not end it in time and SIGKILL did. */
  killed: boolean;
}

export interface ChildSample {
  /** utime + stime, clock ticks. */
  ticks: number;
  /** The command name (ffmpeg, ffprobe). */
  comm: string;
  /** proc(5) state letter: R, S, D, Z (zombie: exited, not yet reaped) … */
  state: string;
}

export interface ProcSample {
  rssKb: number;
  /** utime + stime of the server itself, clock ticks. */
  ticks: number;
  /** Each direct child alive now, by pid. */
  children: Map<number, ChildSample>;
}

/** Lines of the server's stderr kept for a failure report (each cut to 300 characters). */
const TAIL_LINES = 20;
/** How much of stdout is searched for the URL line, characters. */
const STDOUT_WINDOW = 4096;

export class ServerProcess {
  readonly pid: number;
  /** The server's base URL (http://127.0.0.1:<port>) once it printed it. */
  url: string | null = null;
  /** Lines the server wrote to stderr (its warnings and errors at LOG_LEVEL=warn). */
  stderrLines = 0;
  private readonly tail: string[] = [];
  private stdout = '';
  private onUrl: (() => void) | null = null;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(private readonly child: ChildProcess) {
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    child.on('error', (err) => this.keep(`spawn error: ${err.message}`));
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) this.keep(line);
    });
    // stdout is read to the end or a chatty server would block on a full pipe. Only the URL is
    // taken from it: the dashboard line next to it carries the control token, so nothing is printed.
    child.stdout?.on('data', (chunk: Buffer) => {
      if (this.url !== null) return;
      this.stdout = (this.stdout + String(chunk)).slice(-STDOUT_WINDOW);
      const m = /viewer:\s+(http:\/\/[^\s/]+)\//.exec(this.stdout);
      if (!m) return;
      this.url = m[1]!;
      this.stdout = '';
      this.onUrl?.();
    });
  }

  /** Spawns the server and resolves once it printed its URL; otherwise kills it and rejects. */
  static async start({ entry, args, env, readyTimeoutMs }: ServerStart): Promise<ServerProcess> {
    // Its own process group: a Ctrl-C in the terminal reaches only the bench, which then runs the
    // server's graceful shutdown itself and measures it (the bench's exit handler kills it otherwise).
    const server = new ServerProcess(spawn(process.execPath, [entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => (server.onUrl = resolve)),
        server.exited.then((e) => Promise.reject(new Error(`exited during startup (code ${e.code}, signal ${e.signal})`))),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no URL within ${readyTimeoutMs} ms`)), readyTimeoutMs))),
      ]);
    } catch (err) {
      server.killNow();
      throw new Error(`server did not start: ${(err as Error).message}\n${server.stderrTail().join('\n')}`);
    } finally {
      clearTimeout(timer);
      server.onUrl = null;
    }
    return server;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** The last stderr lines, for a report when something went wrong. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  /** Memory and CPU counters now; null once the process is gone. */
  sample(): ProcSample | null {
    try {
      const rssKb = parseVmRssKb(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      const ticks = parseStatTicks(readFileSync(`/proc/${this.pid}/stat`, 'utf8'));
      if (rssKb === null || ticks === null) return null;
      return { rssKb, ticks, children: this.children() };
    } catch {
      return null;
    }
  }

  /** SIGTERM (the graceful path), then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return { ...this.exitInfo, ms: 0, killed: false };
    const started = Date.now();
    this.child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return { ...info, ms: Date.now() - started, killed };
  }

  /** Last resort (failed start, exit handler): synchronous and unconditional. */
  killNow(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  private keep(line: string): void {
    this.stderrLines++;
    this.tail.push(line.slice(0, 300));
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  /** Direct children from /proc/<pid>/task/<tid>/children (any thread may have spawned them). */
  private children(): Map<number, ChildSample> {
    const out = new Map<number, ChildSample>();
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${this.pid}/task`);
    } catch {
      return out;
    }
    for (const tid of tasks) {
      let list: string;
      try {
        list = readFileSync(`/proc/${this.pid}/task/${tid}/children`, 'utf8');
      } catch {
        continue; // the thread ended between the two reads
      }
      for (const pid of list.split(/\s+/).filter(Boolean).map(Number)) {
        const child = readChild(pid);
        if (child) out.set(pid, child);
      }
    }
    return out;
  }
}

/** A process's CPU ticks and name, or null when it is gone. */
function readChild(pid: number): ChildSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = parseStatTicks(stat);
    const comm = /\((.*)\)/s.exec(stat)?.[1] ?? '?';
    const state = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)[0] ?? '?';
    return ticks === null ? null : { ticks, comm, state };
  } catch {
    return null;
  }
}

/**
 * Children seen during the run that still live (same pid and name, not a zombie) after the server
 * exited: processes it left behind.
 */
export function survivors(seen: ReadonlyMap<number, string>): Array<{ pid: number; comm: string }> {
  return [...seen]
    .filter(([pid, comm]) => {
      const now = readChild(pid);
      return now !== null && now.comm === comm && now.state !== 'Z';
    })
    .map(([pid, comm]) => ({ pid, comm }));
}
