/**
 * What a channel added at runtime (POST /api/channels) may be: a pure check of the request body
 * before anything touches the disk, ffmpeg or the database. runtime-channels.ts then resolves a
 * file source on disk (realpath: symlinks that lead out) and makes the channel.
 *
 * Why so strict: the source string goes to ffmpeg's `-i`, and ffmpeg reads far more than network
 * streams. `concat:/etc/passwd|…`, `subfile,,start,0,end,0,,:/etc/shadow`, `file:`, `pipe:0`,
 * `data:` and friends read local files or other inputs, so a source that looks like `name:` is a
 * URL and its scheme must be in the allowlist (config `allowedSourceSchemes`); anything else is a
 * path inside the media folder, never outside it.
 *
 * Rules, in order (the first broken one answers):
 *  - the body: a JSON object with `id`, `source` (strings) and optional `keepAlive`, `openControl`
 *    (booleans) and `transcode` (auto | always | never); no other key        → BAD_MESSAGE
 *  - `id`: letters, digits, `.` `_` `-`, first a letter or digit, ≤ 128 (core isChannelId)
 *                                                                             → BAD_CHANNEL_ID
 *  - `source`: 1–SOURCE_MAX_CHARS characters, no control characters, no blanks at either end
 *                                                                             → BAD_SOURCE
 *  - a URL (`scheme:` first): the scheme allowed and not in NEVER_SOURCE_SCHEMES
 *                                                                             → SOURCE_SCHEME_FORBIDDEN
 *    and written `scheme://…`                                                 → BAD_SOURCE
 *  - a path: no `..` segment, absolute only inside the media folder          → SOURCE_OUTSIDE_MEDIA
 *    no backslash, no hidden (dot) file or folder                            → BAD_SOURCE
 */
import path from 'node:path';
import { ErrorCode } from '../core/errors.js';
import { isChannelId } from '../core/protocol.js';
import { NEVER_SOURCE_SCHEMES, type ChannelConfig, type TranscodePolicy } from '../runtime/config.js';

/** Longest source accepted, characters: room for a long signed URL, not for a payload. */
export const SOURCE_MAX_CHARS = 2048;
const KEYS: readonly string[] = ['id', 'source', 'keepAlive', 'transcode', 'openControl'];
const TRANSCODE: readonly TranscodePolicy[] = ['auto', 'always', 'never'];
/**
 * What ffmpeg would take for a protocol prefix: scheme characters up to the first `:` (its
 * url_find_protocol), plus the `,` of `subfile,,start,…,:` (nested-protocol options).
 */
const PROTOCOL_PREFIX = /^([A-Za-z][A-Za-z0-9+.,-]*):/;
/** C0 and C1 controls and the Unicode line separators: nothing a URL or file name needs. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Where the source points once checked: a URL of an allowed scheme, or segments below the media folder. */
export type SourceTarget = { kind: 'url'; scheme: string } | { kind: 'path'; segments: string[] };

export type Checked<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export interface SourceRules {
  /** Lowercase schemes a URL source may use (config allowedSourceSchemes). */
  allowedSchemes: readonly string[];
  /** The media folder: an absolute file source must lie below it. */
  mediaDir: string;
}

const refuse = (code: ErrorCode, message: string): { ok: false; code: ErrorCode; message: string } => ({ ok: false, code, message });

/** A request body → the channel's config and where its source points, or the first broken rule. */
export function checkChannelRequest(body: unknown, rules: SourceRules): Checked<{ channel: Required<ChannelConfig>; target: SourceTarget }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse(ErrorCode.BAD_MESSAGE, 'the body must be a JSON object {"id", "source", "keepAlive"?, "transcode"?, "openControl"?}');
  }
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).find((k) => !KEYS.includes(k));
  if (extra !== undefined) return refuse(ErrorCode.BAD_MESSAGE, `unknown field "${extra.slice(0, 40)}"`);
  if (typeof b['id'] !== 'string') return refuse(ErrorCode.BAD_MESSAGE, '"id" must be a string');
  if (typeof b['source'] !== 'string') return refuse(ErrorCode.BAD_MESSAGE, '"source" must be a string');
  for (const key of ['keepAlive', 'openControl']) {
    if (b[key] !== undefined && typeof b[key] !== 'boolean') return refuse(ErrorCode.BAD_MESSAGE, `"${key}" must be true or false`);
  }
  const transcode = b['transcode'] === undefined ? 'auto' : b['transcode'];
  if (!TRANSCODE.includes(transcode as TranscodePolicy)) return refuse(ErrorCode.BAD_MESSAGE, '"transcode" must be "auto", "always" or "never"');
  const { id, source } = b as { id: string; source: string };
  if (!isChannelId(id)) return refuse(ErrorCode.BAD_CHANNEL_ID, 'a channel id is 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const target = checkSource(source, rules);
  if (!target.ok) return target;
  const channel = { id, source, keepAlive: b['keepAlive'] === true, openControl: b['openControl'] === true, transcode: transcode as TranscodePolicy };
  return { ok: true, value: { channel, target: target.value } };
}

/**
 * One source string → a URL of an allowed scheme or a path below the media folder. Messages
 * name the scheme, never the source: it may carry a password.
 */
export function checkSource(source: string, rules: SourceRules): Checked<SourceTarget> {
  if (source.length === 0) return refuse(ErrorCode.BAD_SOURCE, 'the source is empty');
  if (source.length > SOURCE_MAX_CHARS) return refuse(ErrorCode.BAD_SOURCE, `the source is longer than ${SOURCE_MAX_CHARS} characters`);
  if (CONTROL.test(source)) return refuse(ErrorCode.BAD_SOURCE, 'the source contains control characters');
  if (source.trim() !== source) return refuse(ErrorCode.BAD_SOURCE, 'the source starts or ends with blanks');
  const prefix = PROTOCOL_PREFIX.exec(source)?.[1];
  if (prefix !== undefined) {
    const scheme = (prefix.split(',')[0] ?? '').toLowerCase();
    if (NEVER_SOURCE_SCHEMES.includes(scheme) || !rules.allowedSchemes.includes(scheme)) {
      return refuse(ErrorCode.SOURCE_SCHEME_FORBIDDEN, `"${scheme.slice(0, 32)}:" sources are not allowed (allowed: ${rules.allowedSchemes.join(', ') || 'none'})`);
    }
    if (prefix.includes(',') || !/^[^:]+:\/\/[^\s/?#]/.test(source)) return refuse(ErrorCode.BAD_SOURCE, `a ${scheme} source is written ${scheme}://host…`);
    return { ok: true, value: { kind: 'url', scheme } };
  }
  return checkPath(source, rules.mediaDir);
}

/** A file source: a path relative to the media folder (or absolute below it), as segments. */
function checkPath(source: string, mediaDir: string): Checked<SourceTarget> {
  if (source.includes('\\')) return refuse(ErrorCode.BAD_SOURCE, 'use "/" between folders (a backslash is not a separator here)');
  // Any `..` is refused, even one that would stay inside: the rule is easy to state and to check.
  if (source.split('/').includes('..')) return refuse(ErrorCode.SOURCE_OUTSIDE_MEDIA, '".." may not appear in a file source');
  let rel = source;
  if (path.posix.isAbsolute(source)) {
    rel = path.posix.relative(path.posix.resolve(mediaDir), source);
    if (rel === '' || rel.startsWith('../') || rel === '..' || path.posix.isAbsolute(rel)) {
      return refuse(ErrorCode.SOURCE_OUTSIDE_MEDIA, 'a file source must lie inside the media folder');
    }
  }
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) return refuse(ErrorCode.BAD_SOURCE, 'the source names no file');
  if (segments.some((s) => s.startsWith('.'))) return refuse(ErrorCode.BAD_SOURCE, 'hidden files and folders (a name starting with ".") are not media');
  return { ok: true, value: { kind: 'path', segments } };
}
