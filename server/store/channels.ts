/**
 * Channels added at runtime (POST /api/channels), one row each (migration 3), so a restart makes
 * them again. The source is stored as it was given, credentials included: the database is the
 * server's own local state, like the config file; what leaves the process is masked
 * (runtime/redact.ts). Validation is the caller's (channel/source-policy.ts, re-checked when the
 * rows are read back at start): this only stores and reads.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { TranscodePolicy } from '../runtime/config.js';

export interface StoredChannel {
  id: string;
  source: string;
  keepAlive: boolean;
  transcode: TranscodePolicy;
  openControl: boolean;
  /** When it was added, ms since the epoch; channels come back in this order. */
  createdAt: number;
}

interface Row {
  id: string;
  source: string;
  keep_alive: number;
  transcode: string;
  open_control: number;
  created_at: number;
}

export class RuntimeChannelStore {
  private readonly listStmt: Statement<[], Row>;
  private readonly saveStmt: Statement<[string, string, number, string, number, number]>;
  private readonly deleteStmt: Statement<[string]>;

  constructor(db: Database) {
    this.listStmt = db.prepare('SELECT id, source, keep_alive, transcode, open_control, created_at FROM runtime_channels ORDER BY created_at, rowid');
    // An id already stored (a row skipped at start because it no longer passed) is replaced.
    this.saveStmt = db.prepare(`INSERT INTO runtime_channels (id, source, keep_alive, transcode, open_control, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET source = excluded.source, keep_alive = excluded.keep_alive, transcode = excluded.transcode,
        open_control = excluded.open_control, created_at = excluded.created_at`);
    this.deleteStmt = db.prepare('DELETE FROM runtime_channels WHERE id = ?');
  }

  /** Every stored channel, oldest first. */
  list(): StoredChannel[] {
    return this.listStmt.all().map((r) => ({
      id: r.id,
      source: r.source,
      keepAlive: r.keep_alive === 1,
      transcode: r.transcode as TranscodePolicy, // the table's CHECK admits only the three values
      openControl: r.open_control === 1,
      createdAt: r.created_at,
    }));
  }

  save(c: StoredChannel): void {
    this.saveStmt.run(c.id, c.source, c.keepAlive ? 1 : 0, c.transcode, c.openControl ? 1 : 0, Math.round(c.createdAt));
  }

  /** True when there was such a row. */
  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
