/**
 * The media library: the one answer to "which files are media, and what is their URL".
 * The channel registry asks it for the files that become channels (`listChannelFiles`) and for a
 * file's `/vod/` URL (`vodUrlOfFile`); /api/media asks it for every playable file under the root
 * (`listMediaFiles`). Both URLs come from `vodUrl`, so a channel's `vod` and its /api/media entry's
 * `url` are equal by construction (the progressive player matches them).
 *
 * Every candidate goes through resolveMediaPath, the same check /vod/ applies, so the listing
 * never shows a file the endpoint would refuse (dotfiles, symlinks leaving the root) and every
 * listed URL works. Bounded in depth and count so a huge or looping tree cannot stall the server.
 */
import { promises as fsp, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { isChannelId } from '../core/protocol.js';
import { contentTypeFor } from '../http/mime.js';
import { resolveMediaPath } from '../http/safe-path.js';

/** Where the HTTP Range endpoint serves the media root. */
export const VOD_PREFIX = '/vod/';

/**
 * Extensions of the files that become channels. Narrower than "media" (listMediaFiles): a channel
 * needs video, and an audio file in the folder should not turn into a black channel.
 */
export const VIDEO_EXTENSIONS = new Set(['.mp4', '.mkv', '.mov', '.webm', '.ts', '.m4v']);

export interface ListedFile {
  /** Path below the root with `/` separators, not encoded (for display). */
  rel: string;
  /** The same, percent-encoded per segment: what goes after `/vod/`. */
  urlPath: string;
  /** `/vod/…`: where the file is served. */
  url: string;
  /** Real absolute path. */
  path: string;
  stat: Stats;
}

export interface ListOptions {
  /** Real paths whose subtrees are skipped (the cache dir when it lives inside the root). */
  exclude?: readonly string[];
  maxFiles?: number;
  maxDepth?: number;
}

/** Percent-encodes each segment so names with `#`, `?`, `%` or spaces survive in a URL. */
export function encodeMediaPath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

/** The /vod/ URL of a path below the media root (`/` separators, not encoded). */
export function vodUrl(rel: string): string {
  return VOD_PREFIX + encodeMediaPath(rel);
}

/** The /vod/ URL of a file when it lies inside the media root (what /vod/ serves), else null. */
export function vodUrlOfFile(root: string, file: string): string | null {
  const rel = path.relative(path.resolve(root), path.resolve(file.replace(/^file:(\/\/)?/i, '')));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return vodUrl(rel.split(path.sep).join('/'));
}

/**
 * Video files directly inside `dir` whose base name is a valid channel id, sorted by id: the files
 * that become channels. A symlink whose target leaves the folder is skipped, as /vod/ refuses it
 * (safe-path.ts): a channel never plays a file the library would not serve. Synchronous: the
 * registry runs it at start and when the folder changes.
 */
export function listChannelFiles(dir: string): Array<{ id: string; file: string }> {
  let names: string[];
  let realDir: string;
  try {
    names = readdirSync(dir);
    realDir = realpathSync(dir);
  } catch {
    return [];
  }
  const inside = (file: string): boolean => {
    try {
      const rel = path.relative(realDir, realpathSync(file));
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    } catch {
      return false; // dangling link, or vanished meanwhile
    }
  };
  return names
    .filter((n) => VIDEO_EXTENSIONS.has(path.extname(n).toLowerCase()))
    .map((n) => ({ id: path.basename(n, path.extname(n)), file: path.join(dir, n) }))
    .filter(({ id, file }) => isChannelId(id) && statSync(file, { throwIfNoEntry: false })?.isFile() === true && inside(file))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function isMediaName(name: string): boolean {
  return /^(video|audio)\//.test(contentTypeFor(name));
}

/** Every audio/video file below the root that /vod/ would serve (for /api/media), bounded. */
export async function listMediaFiles(root: string, opts: ListOptions = {}): Promise<ListedFile[]> {
  const maxFiles = opts.maxFiles ?? 2000;
  const maxDepth = opts.maxDepth ?? 8;
  const exclude = new Set(opts.exclude ?? []);
  const realRoot = await fsp.realpath(root);
  const visited = new Set<string>();
  const out: ListedFile[] = [];

  async function walk(realDir: string, relDir: string, depth: number): Promise<void> {
    // A symlinked directory seen twice (a loop, or two links to one place) is walked once.
    if (visited.has(realDir) || exclude.has(realDir) || depth > maxDepth) return;
    visited.add(realDir);
    let names: string[];
    try {
      names = (await fsp.readdir(realDir)).sort();
    } catch {
      return; // unreadable directory: list what we can
    }
    for (const name of names) {
      if (out.length >= maxFiles) return;
      if (name.startsWith('.')) continue; // never served (safe-path.ts), so never listed
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      let st: Stats;
      try {
        st = await fsp.stat(path.join(realDir, name));
      } catch {
        continue; // dangling symlink or vanished meanwhile
      }
      if (st.isDirectory()) {
        const real = await fsp.realpath(path.join(realDir, name)).catch(() => undefined);
        const inside = real !== undefined && path.relative(realRoot, real).split(path.sep)[0] !== '..';
        if (inside) await walk(real, rel, depth + 1);
        continue;
      }
      if (!st.isFile() || !isMediaName(name)) continue;
      const urlPath = encodeMediaPath(rel);
      const resolved = await resolveMediaPath(realRoot, urlPath);
      if (resolved.ok) out.push({ rel, urlPath, url: VOD_PREFIX + urlPath, path: resolved.path, stat: resolved.stat });
    }
  }

  await walk(realRoot, '', 0);
  return out;
}
