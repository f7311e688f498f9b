/**
 * Every child process a channel registry starts (ffmpeg runs, ffprobe probes), so shutdown can
 * stop all of them, including an ffmpeg a seek replaced and nobody awaits any more.
 *
 * A child is tracked from spawn until its 'exit' (Node has reaped it then: no zombie). stopAll()
 * sends SIGTERM to each, SIGKILL to those still there after `killAfterMs`, and resolves only when
 * every one has exited; a child tracked while it runs is stopped the same way at once.
 * One set per registry (not per process): two servers in one test process stop only their own.
 */
import type { ChildProcess } from 'node:child_process';

export type ChildKind = 'ffmpeg' | 'ffprobe';

export interface TrackedChild {
  pid: number;
  kind: ChildKind;
  /** Who started it (a channel id), for logs and tests. */
  owner: string;
  /** Server clock (ms) when it was spawned. */
  startedAt: number;
}

interface Entry extends TrackedChild {
  child: ChildProcess;
  exited: Promise<void>;
}

export class ChildSet {
  private readonly entries = new Map<ChildProcess, Entry>();
  private stopping: { killAfterMs: number } | null = null;

  /**
   * Tracks `child` until it exits. A child that failed to spawn (no pid) is not tracked: there is
   * no process to stop. Returns the entry, or null.
   */
  track(child: ChildProcess, kind: ChildKind, owner: string): TrackedChild | null {
    if (child.pid === undefined || hasExited(child) || this.entries.has(child)) return null;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        this.entries.delete(child);
        resolve();
      });
    });
    const entry: Entry = { pid: child.pid, kind, owner, startedAt: Date.now(), child, exited };
    this.entries.set(child, entry);
    if (this.stopping) terminate(entry, this.stopping.killAfterMs);
    return { pid: entry.pid, kind, owner, startedAt: entry.startedAt };
  }

  /** Children still running. */
  list(): TrackedChild[] {
    return [...this.entries.values()].map(({ pid, kind, owner, startedAt }) => ({ pid, kind, owner, startedAt }));
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Stops every child (SIGTERM, then SIGKILL after killAfterMs) and resolves when all have
   * exited, including children tracked while this runs. Further children are stopped as they come.
   */
  /** Last resort (a forced exit): SIGKILL every child now, synchronously. */
  killAll(): void {
    for (const { child } of this.entries.values()) if (!hasExited(child)) child.kill('SIGKILL');
  }

  async stopAll(killAfterMs: number): Promise<void> {
    this.stopping = { killAfterMs };
    for (const entry of this.entries.values()) terminate(entry, killAfterMs);
    while (this.entries.size > 0) await Promise.all([...this.entries.values()].map((e) => e.exited));
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM now (ffmpeg then finishes its output cleanly), SIGKILL if still there after killAfterMs. */
function terminate(entry: Entry, killAfterMs: number): void {
  const { child } = entry;
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited(child)) child.kill('SIGKILL');
  }, killAfterMs);
  void entry.exited.then(() => clearTimeout(timer));
}
