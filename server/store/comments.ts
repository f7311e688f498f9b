/**
 * Timed comments, one row each (migration 2): which channel, where in the file (`at`, seconds;
 * NULL on live channels), when (server ms), who (display name) and what. Ids come from SQLite's
 * AUTOINCREMENT, so a deleted comment's id is never handed to a new one (a viewer that still
 * shows the old one cannot confuse the two). Validation is the caller's (core/comment-text.ts,
 * comments/policy.ts): this only stores and reads.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CommentInfo } from '../core/protocol.js';

export type NewComment = Omit<CommentInfo, 'id'>;

interface Row {
  id: number;
  channel: string;
  at: number | null;
  time: number;
  name: string;
  text: string;
}

const COLUMNS = 'id, channel, at, time, name, text';

export class CommentStore {
  private readonly insertStmt: Statement<[string, number | null, number, string, string]>;
  private readonly windowStmt: Statement<[string, number, number, number], Row>;
  private readonly recentStmt: Statement<[string, number], Row>;
  private readonly getStmt: Statement<[number], Row>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly dropChannelStmt: Statement<[string]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare('INSERT INTO comments (channel, at, time, name, text) VALUES (?, ?, ?, ?, ?)');
    // The (channel, at) index serves this range scan; ties in `at` keep their posting order.
    this.windowStmt = db.prepare(`SELECT ${COLUMNS} FROM comments WHERE channel = ? AND at >= ? AND at <= ? ORDER BY at, id LIMIT ?`);
    this.recentStmt = db.prepare(`SELECT ${COLUMNS} FROM comments WHERE channel = ? ORDER BY id DESC LIMIT ?`);
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM comments WHERE id = ?`);
    this.deleteStmt = db.prepare('DELETE FROM comments WHERE id = ?');
    this.dropChannelStmt = db.prepare('DELETE FROM comments WHERE channel = ?');
  }

  /** Every comment of a channel that is gone (deleted at runtime): a new channel of that id starts clean. Returns how many. */
  dropChannel(channel: string): number {
    return this.dropChannelStmt.run(channel).changes;
  }

  /** Stores a comment; returns it with its new id. */
  insert(c: NewComment): CommentInfo {
    const result = this.insertStmt.run(c.channel, c.at, Math.round(c.time), c.name, c.text);
    return { id: Number(result.lastInsertRowid), ...c, time: Math.round(c.time) };
  }

  /** The channel's comments with `from` ≤ at ≤ `to` (seconds), by position, at most `limit`. */
  window(channel: string, from: number, to: number, limit: number): CommentInfo[] {
    return this.windowStmt.all(channel, from, to, limit).map(toInfo);
  }

  /** The channel's newest `limit` comments (live channels have no positions), oldest first. */
  recent(channel: string, limit: number): CommentInfo[] {
    return this.recentStmt.all(channel, limit).map(toInfo).reverse();
  }

  get(id: number): CommentInfo | null {
    const row = this.getStmt.get(id);
    return row ? toInfo(row) : null;
  }

  /** True when there was such a comment. */
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}

function toInfo(r: Row): CommentInfo {
  return { id: r.id, channel: r.channel, at: r.at, time: r.time, name: r.name, text: r.text };
}
