/**
 * Keeps every file channel's playhead in the store, so a restart (even kill -9) resumes a paused
 * channel paused on the same frame and a playing one from where it was. It samples the channels
 * once a second and on every state change (a command), and writes only what moved: a paused or
 * idle channel costs nothing. After a crash a playing channel resumes at most one sample late.
 */
import type { Logger } from '../runtime/log.js';
import type { SavedPlayhead } from '../store/playheads.js';
import type { ResumePoint } from './timeline.js';

/** The store side (store/playheads.ts PlayheadStore). */
export interface PlayheadSink {
  load(channel: string): SavedPlayhead | null;
  save(channel: string, p: SavedPlayhead): void;
}

/** What the keeper reads of a channel. */
export interface Resumable {
  readonly id: string;
  resumePoint(now?: number): ResumePoint | null;
}

/** Position changes below this are not worth a write (a paused channel's float noise), seconds. */
export const SAVE_EPSILON_SEC = 0.05;

/** Whether `next` differs enough from what was saved last (`prev`, null: nothing yet). Pure. */
export function worthSaving(prev: ResumePoint | null, next: ResumePoint): boolean {
  if (!prev) return true;
  return prev.playing !== next.playing || Math.abs(prev.position - next.position) >= SAVE_EPSILON_SEC;
}

export class PlayheadKeeper {
  private readonly saved = new Map<string, ResumePoint>();
  private timer: NodeJS.Timeout | null = null;
  private failing = false;

  constructor(private readonly sink: PlayheadSink, private readonly channels: () => readonly Resumable[], private readonly log: Logger, private readonly intervalMs = 1_000) {}

  /** The resume point stored for a channel, if any (read when the channel is made). */
  restore(channel: string): ResumePoint | null {
    try {
      const p = this.sink.load(channel);
      if (!p) return null;
      const point = { position: p.position, playing: p.playing };
      this.saved.set(channel, point);
      return point;
    } catch (err) {
      this.log.warn('could not read a saved playhead', { channel, error: String(err) });
      return null;
    }
  }

  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Saves every channel whose resume point moved; errors are logged once per failing streak. */
  flush(now = Date.now()): void {
    try {
      for (const c of this.channels()) this.saveOne(c, now);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn('could not save playheads', { error: String(err) });
      this.failing = true;
    }
  }

  /** One channel now (its state changed: a command). */
  saveOne(c: Resumable, now = Date.now()): void {
    const point = c.resumePoint(now);
    if (!point || !worthSaving(this.saved.get(c.id) ?? null, point)) return;
    this.sink.save(c.id, { ...point, savedAt: now });
    this.saved.set(c.id, point);
  }

  /** A last save, then no more (shutdown, before the channels stop). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
