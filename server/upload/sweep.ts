/**
 * The upload folder's housekeeping, run at start and then every sweepIntervalMs (outcome.ts) on an
 * unref'd timer: expired unfinished uploads are removed (the tus expiration extension: HEAD and
 * PATCH already answer 410 for them), records whose file vanished are forgotten, complete uploads
 * that were never finished (the server stopped between the last byte and the finish) are finished,
 * and leftovers of a crash are deleted: partial files without a record and temporary cross-device
 * copies in the media folder.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../runtime/log.js';
import type { UploadRecords } from '../store/uploads.js';
import type { Finisher } from './finish.js';
import { sweepAction, UPLOAD_ID } from './outcome.js';
import { TEMP_PATTERN } from './place.js';

export interface SweepOptions {
  uploadsDir: string;
  mediaDir: string;
  records: UploadRecords;
  finisher: Finisher;
  expiryMs: number;
  log: Logger;
  /** For tests; default Date.now. */
  now?: () => number;
}

/** A partial file without a record is an orphan only after this long (FileStore writes the file, then the record), ms. */
export const ORPHAN_GRACE_MS = 60_000;

async function sizeOrNull(file: string): Promise<number | null> {
  return fsp.stat(file).then((s) => (s.isFile() ? s.size : null), () => null);
}

async function namesIn(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => []);
}

/** One pass; resolves with what it did, for logs and tests. */
export async function sweepUploads(o: SweepOptions): Promise<{ expired: string[]; forgotten: string[]; finished: string[]; orphans: string[] }> {
  const now = (o.now ?? Date.now)();
  const done = { expired: [] as string[], forgotten: [] as string[], finished: [] as string[], orphans: [] as string[] };
  for (const id of o.records.ids()) {
    if (o.finisher.isRunning(id)) continue;
    const info = o.records.load(id);
    if (!info) continue;
    const file = path.join(o.uploadsDir, id);
    const created = info.creation_date ? Date.parse(info.creation_date) : NaN;
    const action = sweepAction({ size: info.size ?? null, createdMs: Number.isFinite(created) ? created : null, fileBytes: await sizeOrNull(file) }, now, o.expiryMs);
    if (action === 'expire') {
      await fsp.rm(file, { force: true });
      o.records.remove(id);
      done.expired.push(id);
    } else if (action === 'forget') {
      o.records.remove(id);
      done.forgotten.push(id);
    } else if (action === 'finish') {
      const outcome = await o.finisher.finish(id, info.metadata?.['filename'] ?? null);
      if (outcome.kind !== 'interrupted') done.finished.push(id);
    }
  }
  const known = new Set(o.records.ids());
  for (const name of await namesIn(o.uploadsDir)) {
    if (!UPLOAD_ID.test(name) || known.has(name) || o.finisher.isRunning(name)) continue;
    const file = path.join(o.uploadsDir, name);
    const st = await fsp.stat(file).catch(() => null);
    if (!st?.isFile() || now - st.mtimeMs < ORPHAN_GRACE_MS) continue;
    await fsp.rm(file, { force: true });
    done.orphans.push(name);
  }
  for (const name of await namesIn(o.mediaDir)) {
    const id = TEMP_PATTERN.exec(name)?.[1];
    if (id === undefined || o.finisher.isRunning(id)) continue;
    await fsp.rm(path.join(o.mediaDir, name), { force: true });
    done.orphans.push(name);
  }
  const changed = done.expired.length + done.forgotten.length + done.finished.length + done.orphans.length;
  if (changed > 0) o.log.info('upload sweep', done);
  return done;
}
