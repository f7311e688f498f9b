/**
 * The name a finished upload gets in the media folder. Pure. The client's file name is a hint, never
 * a path: only its last segment is used, folded to the channel-id alphabet (core/protocol.ts
 * isChannelId: letters, digits, `.`, `_`, `-`, starting with a letter or digit, ≤ 128), so the
 * stem is at once a safe file name and the id of the channel the file becomes
 * (library/media-library.ts listChannelFiles). A taken id gets -2, -3 … .
 *
 *   "../../etc/passwd.mp4" → "passwd.mp4"      "Été à Paris.MOV" → "Ete-a-Paris.mov"
 *   "a/b.mp4"              → "b.mp4"           ""                → "upload.mp4"
 */
import { isChannelId } from '../core/protocol.js';
import { VIDEO_EXTENSIONS } from '../library/media-library.js';

/** The stem when nothing usable is left of the client's name. */
export const FALLBACK_STEM = 'upload';
/** The extension when the client's is not a known video one (the bytes are probed, not the name). */
export const FALLBACK_EXTENSION = '.mp4';
/** Longest stem kept, so `-NNNN` still fits the 128 characters of a channel id. */
export const MAX_STEM = 100;
/** Suffixes tried before a random one; far more than a folder holds of one name. */
const MAX_SUFFIX = 10_000;

/** The client's last path segment, with `/` and `\` both taken as separators and NULs dropped. */
function lastSegment(name: string): string {
  const parts = name.replace(/\0/g, '').split(/[/\\]/);
  return parts[parts.length - 1] ?? '';
}

/** The lower-cased extension of `name` when it is a known video one, else null. */
export function videoExtension(name: string): string | null {
  const m = /(\.[A-Za-z0-9]{1,8})$/.exec(lastSegment(name));
  const ext = m?.[1]?.toLowerCase() ?? null;
  return ext !== null && VIDEO_EXTENSIONS.has(ext) ? ext : null;
}

/**
 * The stem folded to the id alphabet: accents dropped (NFKD, then combining marks removed), every
 * other character outside [A-Za-z0-9._-] (spaces, control characters, slashes, emoji) becomes `-`,
 * runs of separators collapse (so `..` cannot survive), and separators are trimmed from both ends.
 */
export function safeStem(stem: string): string {
  const folded = stem
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/[._-]*-[._-]*/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_STEM)
    .replace(/[._-]+$/, '');
  return isChannelId(folded) ? folded : FALLBACK_STEM;
}

/**
 * The media file name for an upload called `clientName`, whose stem (the channel id) `isTaken`
 * says is free. `isTaken` gets ids exactly; the caller decides what counts (existing channels, file
 * stems in the folder, compared without case for case-insensitive file systems).
 * `random` breaks the tie past MAX_SUFFIX (injected for tests).
 */
export function mediaFileName(
  clientName: string | null | undefined,
  isTaken: (id: string) => boolean,
  random: () => string = () => Math.random().toString(36).slice(2, 10),
): string {
  const segment = lastSegment(clientName ?? '');
  const ext = videoExtension(segment);
  const stem = safeStem(ext ? segment.slice(0, -ext.length) : segment);
  const extension = ext ?? FALLBACK_EXTENSION;
  if (!isTaken(stem)) return stem + extension;
  for (let n = 2; n <= MAX_SUFFIX; n++) {
    const id = `${stem}-${n}`;
    if (!isTaken(id)) return id + extension;
  }
  for (;;) {
    const id = `${stem}-${random()}`;
    if (isChannelId(id) && !isTaken(id)) return id + extension;
  }
}
