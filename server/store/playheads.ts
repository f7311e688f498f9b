/**
 * Every file channel's shared playhead as of its last save, so a restart (even kill -9) brings a
 * paused channel back paused at the same frame and a playing one on from where it was.
 */
import type { Database, Statement } from 'better-sqlite3';

export interface SavedPlayhead {
  /** Seconds into the file. */
  position: number;
  playing: boolean;
  /** When it was saved, ms since the epoch. */
  savedAt: number;
}

interface Row {
  position: number;
  playing: number;
  saved_at: number;
}

export class PlayheadStore {
  private readonly loadStmt: Statement<[string], Row>;
  private readonly saveStmt: Statement<[string, number, number, number]>;
  private readonly dropStmt: Statement<[string]>;

  constructor(db: Database) {
    this.loadStmt = db.prepare('SELECT position, playing, saved_at FROM playheads WHERE channel = ?');
    this.saveStmt = db.prepare(`INSERT INTO playheads (channel, position, playing, saved_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (channel) DO UPDATE SET position = excluded.position, playing = excluded.playing, saved_at = excluded.saved_at`);
    this.dropStmt = db.prepare('DELETE FROM playheads WHERE channel = ?');
  }

  load(channel: string): SavedPlayhead | null {
    const row = this.loadStmt.get(channel);
    if (!row || !Number.isFinite(row.position) || row.position < 0) return null;
    return { position: row.position, playing: row.playing === 1, savedAt: row.saved_at };
  }

  save(channel: string, p: SavedPlayhead): void {
    this.saveStmt.run(channel, p.position, p.playing ? 1 : 0, Math.round(p.savedAt));
  }

  /** A channel that is gone (deleted, its file removed). */
  drop(channel: string): void {
    this.dropStmt.run(channel);
  }
}
