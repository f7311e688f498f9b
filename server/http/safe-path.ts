/**
 * Maps the raw (still percent-encoded) URL path after `/vod/` to a regular file inside the media
 * root, or refuses. Hostile input never throws and never resolves outside the root.
 *
 * Checks, in order, each closing a known traversal trick:
 * 1. Percent-decode exactly once (RFC 3986 §2.4): `%252e%252e` stays the literal name `%2e%2e`
 *    and is never decoded again into `..`. Malformed escapes or invalid UTF-8 are refused.
 * 2. Refuse NUL (C string truncation), backslash (a separator on Windows and to some proxies),
 *    absolute paths, and empty / `.` / `..` segments — after decoding, so `%2e%2e%2f` is caught.
 *    Any segment starting with a dot is refused: hidden files (`.env`, `.git`) are not media.
 * 3. realpath() the candidate and require it to stay inside realpath(root): a symlink that points
 *    outside the root is refused, one that stays inside is followed.
 * 4. Only regular files: directories, sockets and devices are refused.
 *
 * Not covered: an attacker who can create symlinks inside the root between our realpath() and the
 * caller's open() (TOCTOU). The media root is trusted operator storage; the caller still opens the
 * returned real path, which contains no symlinks at check time.
 */
import { promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';

export type PathRejection =
  | 'EMPTY'
  | 'BAD_ENCODING'
  | 'FORBIDDEN_CHAR'
  | 'BAD_SEGMENT'
  | 'NOT_FOUND'
  | 'OUTSIDE_ROOT'
  | 'NOT_A_FILE'
  /** An unexpected filesystem error (EACCES, EIO, EMFILE…): the caller should log `cause`. */
  | 'IO_ERROR';

export type ResolvedMediaPath =
  | { ok: true; path: string; stat: Stats }
  | { ok: false; reason: PathRejection; cause?: unknown };

/** errno codes that just mean "no such file here" for a hostile or stale path. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EINVAL']);

function fsFailure(err: unknown): ResolvedMediaPath {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && MISSING.has(code)) return { ok: false, reason: 'NOT_FOUND' };
  return { ok: false, reason: 'IO_ERROR', cause: err };
}

/** Decodes once and validates the segments; returns them or the reason for refusal. */
export function splitMediaPath(rawUrlPath: string): { ok: true; segments: string[] } | { ok: false; reason: PathRejection } {
  if (rawUrlPath === '') return { ok: false, reason: 'EMPTY' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawUrlPath);
  } catch {
    // URIError is the only thing decodeURIComponent throws: a malformed escape, reported as such.
    return { ok: false, reason: 'BAD_ENCODING' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, reason: 'FORBIDDEN_CHAR' };
  // A drive letter (`C:`) is only absolute on Windows; refuse it everywhere so the rule is portable.
  if (decoded.startsWith('/') || path.isAbsolute(decoded) || /^[A-Za-z]:/.test(decoded)) {
    return { ok: false, reason: 'BAD_SEGMENT' };
  }
  const segments = decoded.split('/');
  for (const s of segments) {
    // '' (a//b or trailing slash), '.', '..' and dotfiles all start with or are empty/dots.
    if (s === '' || s.startsWith('.')) return { ok: false, reason: 'BAD_SEGMENT' };
  }
  return { ok: true, segments };
}

/** True when `child` is `parent` itself or lies below it (both already real, absolute paths). */
function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export async function resolveMediaPath(root: string, rawUrlPath: string): Promise<ResolvedMediaPath> {
  const split = splitMediaPath(rawUrlPath);
  if (!split.ok) return split;

  let realRoot: string;
  try {
    realRoot = await fsp.realpath(root);
  } catch (err) {
    // A missing root is an operator error, not a client one: always surface it.
    return { ok: false, reason: 'IO_ERROR', cause: err };
  }

  let real: string;
  try {
    real = await fsp.realpath(path.join(realRoot, ...split.segments));
  } catch (err) {
    return fsFailure(err);
  }
  if (real === realRoot || !isInside(realRoot, real)) return { ok: false, reason: 'OUTSIDE_ROOT' };

  let stat: Stats;
  try {
    stat = await fsp.stat(real);
  } catch (err) {
    return fsFailure(err);
  }
  if (!stat.isFile()) return { ok: false, reason: 'NOT_A_FILE' };
  return { ok: true, path: real, stat };
}
