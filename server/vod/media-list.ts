/**
 * Lists the audio/video files under the media root for /api/media.
 *
 * Every candidate goes through resolveMediaPath, the same check /vod/ applies, so the listing
 * never shows a file the endpoint would refuse (dotfiles, symlinks leaving the root) and every
 * listed URL works. Bounded in depth and count so a huge or looping tree cannot stall the server.
 */
import { promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { contentTypeFor } from '../http/mime.js';
import { resolveMediaPath } from '../http/safe-path.js';

export interface ListedFile {
  /** Path below the root with `/` separators, not encoded (for display). */
  rel: string;
  /** The same, percent-encoded per segment: what goes after `/vod/`. */
  urlPath: string;
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

function isMediaName(name: string): boolean {
  return /^(video|audio)\//.test(contentTypeFor(name));
}

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
      if (resolved.ok) out.push({ rel, urlPath, path: resolved.path, stat: resolved.stat });
    }
  }

  await walk(realRoot, '', 0);
  return out;
}
