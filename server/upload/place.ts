/**
 * Moves a finished upload into the media folder without ever showing a half-written file there and
 * without overwriting anything:
 *  - same file system: link(2) the upload to its final name (atomic, and it fails with EEXIST
 *    instead of replacing a file that appeared meanwhile), then unlink the upload;
 *  - different file systems (EXDEV): copy into a dot-named temporary file inside the media folder
 *    (dotfiles are never media: library/media-library.ts), then link that to the final name;
 *  - a file system without hard links (EPERM, ENOTSUP …): rename(2), after checking the name is free.
 * `ops` is the file system, injectable so tests can make link fail with EXDEV.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface PlaceOps {
  link(from: string, to: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  exists(file: string): Promise<boolean>;
}

export const realOps: PlaceOps = {
  link: (a, b) => fsp.link(a, b),
  rename: (a, b) => fsp.rename(a, b),
  copyFile: (a, b) => fsp.copyFile(a, b),
  unlink: (f) => fsp.unlink(f),
  exists: (f) => fsp.lstat(f).then(() => true, () => false),
};

/** The temporary name of a cross-device copy (the sweep removes stale ones: TEMP_PATTERN). */
export function tempCopyName(uploadId: string): string {
  return `.upload-${uploadId}.part`;
}
export const TEMP_PATTERN = /^\.upload-([0-9a-f]{32})\.part$/;

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);
/** Names tried when another file takes the chosen one between the choice and the link. */
const MAX_TRIES = 20;

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

export interface PlaceRequest {
  /** The finished upload. */
  source: string;
  uploadId: string;
  mediaDir: string;
  /** The free name to use now; called again (after EEXIST) with the names found taken. */
  chooseName: (takenMeanwhile: ReadonlySet<string>) => string;
  /** Called with the chosen name before anything is linked (recorded so a crash can be completed). */
  onChosen?: (name: string) => void;
  ops?: PlaceOps;
}

/** Places the file; resolves with the name it got inside mediaDir. The source is gone afterwards. */
export async function placeUpload(req: PlaceRequest): Promise<string> {
  const ops = req.ops ?? realOps;
  const taken = new Set<string>();
  let from = req.source;
  let temp: string | null = null;
  try {
    for (let i = 0; i < MAX_TRIES; i++) {
      const name = req.chooseName(taken);
      const dest = path.join(req.mediaDir, name);
      req.onChosen?.(name);
      try {
        await ops.link(from, dest);
      } catch (err) {
        const code = codeOf(err);
        if (code === 'EEXIST') {
          taken.add(name);
          continue;
        }
        if (code === 'EXDEV' && temp === null) {
          temp = path.join(req.mediaDir, tempCopyName(req.uploadId));
          await ops.copyFile(req.source, temp);
          from = temp;
          i--; // the copy is not a try of a name
          continue;
        }
        if (code !== undefined && LINK_UNSUPPORTED.has(code)) {
          if (await ops.exists(dest)) {
            taken.add(name);
            continue;
          }
          await ops.rename(from, dest);
          if (from !== req.source) await ops.unlink(req.source);
          temp = null;
          return name;
        }
        throw err;
      }
      if (temp !== null) await ops.unlink(temp);
      temp = null;
      await ops.unlink(req.source);
      return name;
    }
    throw new Error(`no free name in the media folder after ${MAX_TRIES} tries`);
  } finally {
    if (temp !== null) await ops.unlink(temp).catch(() => undefined);
  }
}
