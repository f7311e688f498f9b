/**
 * Entity tags (RFC 9110 §8.8.3): generate a strong tag for a file, parse the tag lists of
 * If-Match / If-None-Match, and compare with the strong or weak function (§8.8.3.2).
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';

export interface EntityTag {
  weak: boolean;
  /** The opaque-tag without its quotes. */
  opaque: string;
}

/**
 * A strong ETag from file identity and metadata. Strong means "byte-identical content" (§8.8.1):
 * a write changes mtime and ctime, and a replaced file (editors, ffmpeg, rsync) gets a new inode,
 * so the tag changes with the bytes. ctime is included because tools that restore mtime after a
 * rewrite (`cp -p`, `touch -r`, `rsync -t`) cannot restore ctime. Hashing keeps inode numbers out
 * of the headers.
 *
 * Known limit, shared by every metadata-based ETag: Linux stamps files with a coarse clock (one
 * tick, a few ms), so two same-size in-place rewrites of the same inode within one tick keep the
 * tag. Media files are written once and then served, which makes that window irrelevant here.
 */
export function makeStrongEtag(stat: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>): string {
  const digest = createHash('sha256')
    .update(`${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`)
    .digest('base64url')
    .slice(0, 22); // 132 bits: collisions are not a practical concern
  return `"${stat.size.toString(16)}-${digest}"`;
}

/** etagc = %x21 / %x23-7E / obs-text (Node decodes header bytes as latin1). */
const TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/y;
const OWS = /[ \t]*/y;

/** Parses one entity-tag such as `"abc"` or `W/"abc"`; undefined when malformed. */
export function parseEntityTag(value: string): EntityTag | undefined {
  const v = value.trim();
  TAG.lastIndex = 0;
  const m = TAG.exec(v);
  if (!m || TAG.lastIndex !== v.length) return undefined;
  return { weak: m[1] !== undefined, opaque: m[2] ?? '' };
}

/**
 * Parses `"*" / #entity-tag` (§13.1.1, §13.1.2). Returns '*' for the wildcard, the tags for a list
 * (empty list elements skipped, §5.6.1.2), or undefined when the value is malformed so callers can
 * decide which way a broken condition should fail.
 */
export function parseEntityTagList(value: string): '*' | EntityTag[] | undefined {
  const v = value.trim();
  if (v === '*') return '*';
  const tags: EntityTag[] = [];
  let pos = 0;
  const skipOws = (): void => {
    OWS.lastIndex = pos;
    OWS.exec(v);
    pos = OWS.lastIndex;
  };
  while (pos < v.length) {
    skipOws();
    if (v[pos] === ',') {
      pos += 1;
      continue;
    }
    if (pos >= v.length) break;
    TAG.lastIndex = pos;
    const m = TAG.exec(v);
    if (!m) return undefined;
    tags.push({ weak: m[1] !== undefined, opaque: m[2] ?? '' });
    pos = TAG.lastIndex;
    skipOws();
    if (pos < v.length && v[pos] !== ',') return undefined;
    pos += 1;
  }
  return tags.length > 0 ? tags : undefined;
}

/** Strong comparison: both tags strong and opaque-tags identical (§8.8.3.2). */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison: opaque-tags identical, weakness ignored (§8.8.3.2). */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}
