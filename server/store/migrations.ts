/**
 * The schema of pushcast's database as an ordered list of migrations, and the runner that brings a
 * database up to date. PRAGMA user_version records the newest migration applied; each migration
 * runs in its own transaction, so a crash mid-migration leaves the database at the previous version
 * and the next start applies it again. A database written by a newer pushcast (a version above the
 * newest known here) is refused rather than guessed at.
 *
 * Each feature adds its tables as one migration with the next free version; applied migrations are
 * never edited (a change is a new migration).
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Strictly increasing; gaps are allowed (a feature that reserved a number and dropped it). */
  readonly version: number;
  readonly name: string;
  /** SQL run as one script, in a transaction with the user_version bump. */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings and playheads',
    sql: `
      -- Small values that must survive a restart (the generated control token, …).
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      -- Every file channel's shared playhead, as of saved_at (ms since the epoch).
      CREATE TABLE playheads (
        channel  TEXT PRIMARY KEY,
        position REAL NOT NULL,
        playing  INTEGER NOT NULL CHECK (playing IN (0, 1)),
        saved_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'comments',
    sql: `
      -- Timed comments (store/comments.ts): at = seconds into the file, NULL on live channels;
      -- time = server ms. AUTOINCREMENT: a deleted comment's id is never reused.
      CREATE TABLE comments (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        at      REAL CHECK (at IS NULL OR at >= 0),
        time    INTEGER NOT NULL,
        name    TEXT NOT NULL,
        text    TEXT NOT NULL
      ) STRICT;
      -- GET /api/channels/<id>/comments?from&to: a range scan on one channel's positions.
      CREATE INDEX comments_channel_at ON comments (channel, at);
    `,
  },
  {
    version: 3,
    name: 'runtime channels',
    sql: `
      -- Channels added with POST /api/channels (store/channels.ts), made again at start in
      -- created_at order (ms). source as given (local state; masked wherever it leaves).
      CREATE TABLE runtime_channels (
        id           TEXT PRIMARY KEY,
        source       TEXT NOT NULL,
        keep_alive   INTEGER NOT NULL CHECK (keep_alive IN (0, 1)),
        transcode    TEXT NOT NULL CHECK (transcode IN ('auto', 'always', 'never')),
        open_control INTEGER NOT NULL CHECK (open_control IN (0, 1)),
        created_at   INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'uploads',
    sql: `
      -- Unfinished tus uploads (store/uploads.ts); the bytes are <dataDir>/uploads/<id>, whose
      -- length is the real offset. size NULL: deferred length. target: the media file name a finish
      -- chose, so a finish cut by a crash is completed rather than repeated.
      CREATE TABLE uploads (
        id         TEXT PRIMARY KEY,
        size       INTEGER CHECK (size IS NULL OR size >= 0),
        offset     INTEGER NOT NULL DEFAULT 0,
        metadata   TEXT,
        created_at TEXT,
        target     TEXT
      ) STRICT;
    `,
  },
];

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Checks that a list is usable: versions are positive integers in strictly increasing order. */
export function checkMigrations(list: readonly Migration[]): void {
  let last = 0;
  for (const m of list) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new MigrationError(`migration "${m.name}": version ${m.version} must be an integer above ${last}`);
    }
    last = m.version;
  }
}

/** The migrations a database at `current` still needs, in order. Pure. */
export function pendingMigrations(current: number, list: readonly Migration[]): Migration[] {
  checkMigrations(list);
  const newest = list.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new MigrationError(`the database is at schema version ${current}, newer than this pushcast knows (${newest}): use a newer pushcast or another --data folder`);
  }
  return list.filter((m) => m.version > current);
}

/** Applies what is pending; returns the versions applied. */
export function migrate(db: Database, list: readonly Migration[] = MIGRATIONS): number[] {
  const current = Number(db.pragma('user_version', { simple: true }));
  const applied: number[] = [];
  for (const m of pendingMigrations(current, list)) {
    db.transaction(() => {
      db.exec(m.sql);
      // PRAGMA takes no bound parameters; the version is an integer checked above.
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
