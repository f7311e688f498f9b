/**
 * Where a cold start's time goes, seen from outside pushcast: its JSON log lines, stamped by the
 * server ('starting ffmpeg' once the probe is done, 'init segment' once ffmpeg wrote its init),
 * and its ffprobe / ffmpeg children as /proc shows them, polled every 20 ms. Both clocks are this
 * machine's Date.now(), so they line up with the page's navigation and presented-frame times.
 */
import type { RunningServer } from '../lib/pushcast.js';
import { childPids } from '../lib/proc.js';

export interface LogLine { at: number; msg: string; channel?: string; fields: Record<string, unknown> }

/** Collects the server's log lines from the moment it is attached. */
export class ServerLog {
  readonly lines: LogLine[] = [];
  private rest = '';

  constructor(server: RunningServer) {
    const take = (d: Buffer): void => {
      const parts = (this.rest + d.toString()).split('\n');
      this.rest = parts.pop() ?? '';
      for (const p of parts) this.parse(p);
    };
    server.child.stdout?.on('data', take);
    server.child.stderr?.on('data', take);
  }

  private parse(text: string): void {
    if (!text.startsWith('{')) return;
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const at = Date.parse(String(o['time']));
      if (!Number.isFinite(at) || typeof o['msg'] !== 'string') return;
      this.lines.push({ at, msg: o['msg'], ...(typeof o['channel'] === 'string' ? { channel: o['channel'] } : {}), fields: o });
    } catch { /* not a log line */ }
  }

  /** The first line `msg` of `channel` at or after `from`. */
  first(channel: string, msg: string, from: number): LogLine | null {
    return this.lines.find((l) => l.channel === channel && l.msg === msg && l.at >= from) ?? null;
  }
}

interface Seen { pid: number; kind: 'ffprobe' | 'ffmpeg'; firstAt: number; lastAt: number }

/** Polls the server's children; `since(t)` tells when an ffprobe / ffmpeg first appeared after t. */
export class ChildWatch {
  private readonly seen = new Map<number, Seen>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.poll(), 20);
  }

  private poll(): void {
    const now = Date.now();
    for (const kind of ['ffprobe', 'ffmpeg'] as const) {
      for (const c of childPids(this.pid, kind)) {
        const s = this.seen.get(c);
        if (s) s.lastAt = now;
        else this.seen.set(c, { pid: c, kind, firstAt: now, lastAt: now });
      }
    }
  }

  /** The first child of `kind` that appeared at or after `from`. */
  firstAfter(kind: 'ffprobe' | 'ffmpeg', from: number): Seen | null {
    return [...this.seen.values()].filter((s) => s.kind === kind && s.firstAt >= from).sort((a, b) => a.firstAt - b.firstAt)[0] ?? null;
  }

  /** No ffprobe and no ffmpeg under the server right now. */
  idle(): boolean {
    return childPids(this.pid, 'ffprobe').length === 0 && childPids(this.pid, 'ffmpeg').length === 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Waits until the server runs no ffprobe / ffmpeg (every channel idle); false after `timeoutMs`. */
export async function waitIdle(watch: ChildWatch, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (watch.idle()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return watch.idle();
}

/** One cold start, split at what the server and /proc showed, ms from navigation. */
export interface Phases {
  /** ffprobe appeared (the viewer's join reached the channel): page load + WebSocket join. */
  probeStartMs: number | null;
  /** 'starting ffmpeg': the probe answered (files: primed at boot, so this is the join). */
  ffmpegSpawnMs: number | null;
  /** 'init segment': ffmpeg finished its own analysis and wrote the init. */
  initMs: number | null;
  /** The first presented frame whose code reads. */
  shownMs: number | null;
}

export function phasesOf(log: ServerLog, watch: ChildWatch, channel: string, openedAt: number, shownAt: number | null): Phases {
  const rel = (t: number | null | undefined): number | null => (t == null ? null : t - openedAt);
  const probe = watch.firstAfter('ffprobe', openedAt);
  return {
    probeStartMs: rel(probe?.firstAt),
    ffmpegSpawnMs: rel(log.first(channel, 'starting ffmpeg', openedAt)?.at),
    initMs: rel(log.first(channel, 'init segment', openedAt)?.at),
    shownMs: rel(shownAt),
  };
}
