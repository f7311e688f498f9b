/**
 * The bookkeeping of unfinished uploads (tus, server/upload/): one row per upload with its declared
 * size, client metadata and creation date, plus the media file name a finish chose. The bytes live
 * in `<dataDir>/uploads/<id>`; the file's length is the upload's offset (a crash cannot make the
 * two disagree: there is no second copy of the offset to fall behind), so `offset` here is only
 * what the writer last recorded.
 *
 * The shape is a key-value store (get / set / delete / list by upload id), the one @tus/file-store
 * takes as its `configstore`; server/upload/kv.ts adapts it to tus's Upload class so this layer
 * stays free of tus. Every call is one indexed statement, committed at once (WAL).
 */
import type { Database, Statement } from 'better-sqlite3';

export interface UploadInfo {
  id: string;
  /** Declared length in bytes; undefined while deferred (Upload-Defer-Length). */
  size?: number;
  offset: number;
  /** Upload-Metadata pairs as the client sent them (filename, filetype …); a key without value is null. */
  metadata?: Record<string, string | null>;
  /** ISO 8601; expiry counts from here. */
  creation_date?: string;
}

interface Row {
  id: string;
  size: number | null;
  offset: number;
  metadata: string | null;
  created_at: string | null;
  target: string | null;
}

export class UploadRecords {
  private readonly getStmt: Statement<[string], Row>;
  private readonly setStmt: Statement<[string, number | null, number, string | null, string | null]>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly listStmt: Statement<[], { id: string }>;
  private readonly targetStmt: Statement<[string | null, string]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT id, size, offset, metadata, created_at, target FROM uploads WHERE id = ?');
    // An update keeps `target`: it belongs to the finish, not to what tus records.
    this.setStmt = db.prepare(`INSERT INTO uploads (id, size, offset, metadata, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET size = excluded.size, offset = excluded.offset, metadata = excluded.metadata, created_at = excluded.created_at`);
    this.deleteStmt = db.prepare('DELETE FROM uploads WHERE id = ?');
    this.listStmt = db.prepare('SELECT id FROM uploads ORDER BY created_at, id');
    this.targetStmt = db.prepare('UPDATE uploads SET target = ? WHERE id = ?');
  }

  load(id: string): UploadInfo | undefined {
    const row = this.getStmt.get(id);
    if (!row) return undefined;
    const info: UploadInfo = { id: row.id, offset: row.offset };
    if (row.size !== null) info.size = row.size;
    const metadata = parseMetadata(row.metadata);
    if (metadata) info.metadata = metadata;
    if (row.created_at !== null) info.creation_date = row.created_at;
    return info;
  }

  save(id: string, info: UploadInfo): void {
    this.setStmt.run(id, info.size ?? null, info.offset, info.metadata ? JSON.stringify(info.metadata) : null, info.creation_date ?? null);
  }

  remove(id: string): void {
    this.deleteStmt.run(id);
  }

  ids(): string[] {
    return this.listStmt.all().map((r) => r.id);
  }

  /** The media file name a finish picked for this upload (so a finish cut by a crash is completed, not repeated). */
  target(id: string): string | null {
    return this.getStmt.get(id)?.target ?? null;
  }

  setTarget(id: string, name: string | null): void {
    this.targetStmt.run(name, id);
  }

  // The KvStore interface (@tus/utils kvstores/Types.ts): async by contract, synchronous here.
  async get(key: string): Promise<UploadInfo | undefined> {
    return this.load(key);
  }

  async set(key: string, value: UploadInfo): Promise<void> {
    this.save(key, value);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async list(): Promise<string[]> {
    return this.ids();
  }
}

/** The stored JSON object of string-or-null values; anything else (a hand-edited row) reads as none. */
function parseMetadata(text: string | null): Record<string, string | null> | undefined {
  if (text === null) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const out: Record<string, string | null> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || x === null) out[k] = x;
    return out;
  } catch {
    return undefined;
  }
}
