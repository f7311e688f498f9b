/**
 * pushcast's persistent state in one object: the database and the repositories over it. server.ts
 * opens one per process (or takes one a test made) and closes it last on shutdown.
 */
import { openDatabase, type Database } from './database.js';
import { PlayheadStore } from './playheads.js';
import { CommentStore } from './comments.js';
import { RuntimeChannelStore } from './channels.js';
import { Settings } from './settings.js';
import { UploadRecords } from './uploads.js';

export interface Store {
  readonly db: Database;
  readonly settings: Settings;
  readonly playheads: PlayheadStore;
  readonly comments: CommentStore;
  /** Channels added at runtime (POST /api/channels). */
  readonly channels: RuntimeChannelStore;
  /** Unfinished uploads' bookkeeping (the tus configstore, server/upload/). */
  readonly uploads: UploadRecords;
  close(): void;
}

/** Opens (and migrates) the database in `dataDir`, or an in-memory one for ':memory:'. */
export function openStore(dataDir: string): Store {
  const db = openDatabase({ dataDir });
  return {
    db,
    settings: new Settings(db),
    playheads: new PlayheadStore(db),
    comments: new CommentStore(db),
    channels: new RuntimeChannelStore(db),
    uploads: new UploadRecords(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
