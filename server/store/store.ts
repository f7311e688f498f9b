/**
 * pushcast's persistent state in one object: the database and the repositories over it. server.ts
 * opens one per process (or takes one a test made) and closes it last on shutdown.
 */
import { openDatabase, type Database } from './database.js';
import { PlayheadStore } from './playheads.js';
import { Settings } from './settings.js';

export interface Store {
  readonly db: Database;
  readonly settings: Settings;
  readonly playheads: PlayheadStore;
  close(): void;
}

/** Opens (and migrates) the database in `dataDir`, or an in-memory one for ':memory:'. */
export function openStore(dataDir: string): Store {
  const db = openDatabase({ dataDir });
  return {
    db,
    settings: new Settings(db),
    playheads: new PlayheadStore(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
