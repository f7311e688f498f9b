/**
 * Opens pushcast's SQLite database (better-sqlite3, synchronous: every statement here is a small
 * indexed read or write, far below a millisecond, so the event loop never waits on a thread pool)
 * in the data folder, with write-ahead logging so a crash or kill -9 leaves it consistent, and
 * migrates it to the current schema (migrations.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import DatabaseCtor, { type Database } from 'better-sqlite3';
import { migrate, type Migration, MIGRATIONS } from './migrations.js';

export type { Database } from 'better-sqlite3';

/** The database file inside the data folder. */
export const DB_FILE = 'pushcast.db';

export interface OpenOptions {
  /** The data folder (created if missing), or ':memory:' for a database that lives with the process. */
  dataDir: string;
  migrations?: readonly Migration[];
}

export function openDatabase({ dataDir, migrations = MIGRATIONS }: OpenOptions): Database {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = path.join(dataDir, DB_FILE);
  }
  const db = new DatabaseCtor(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL with WAL: a power cut may lose the last transactions, never corrupt the file; a process
    // crash (kill -9) loses nothing that was committed.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 2000');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
