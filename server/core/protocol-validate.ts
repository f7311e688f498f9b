/**
 * The validator of client text frames: raw string in, a typed ClientMessage or a stable error code
 * out. Browser-safe like protocol.ts (no Node, no DOM); split from it so the message types read on
 * their own. Imported by the WebSocket session and the HTTP command route.
 */
import { ErrorCode } from './errors.js';
import { MAX_CLIENT_MESSAGE_BYTES, isChannelId, isPlaybackMode, type ClientMessage, type CommandId } from './protocol.js';

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: typeof ErrorCode.BAD_MESSAGE | typeof ErrorCode.UNKNOWN_TYPE; message: string; id?: CommandId };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isCommandId(v: unknown): v is CommandId {
  return (typeof v === 'string' && v.length > 0 && v.length <= 64) || (typeof v === 'number' && Number.isSafeInteger(v));
}

/** Checks one field list: every key present in the message must be known for its type. */
function unknownKey(obj: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  return Object.keys(obj).find((k) => !allowed.includes(k));
}

/**
 * UTF-8 byte length of a string, without TextEncoder (the core has no DOM or Node types): 1 byte
 * below U+0080, 2 below U+0800, 4 for a surrogate pair, 3 otherwise (a lone surrogate becomes
 * U+FFFD, 3 bytes, as an encoder would write it).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** Raw bounds on comment fields before the text rules (core/comment-text.ts) judge them, UTF-16 units. */
const COMMENT_RAW_MAX = 2048;
const NAME_RAW_MAX = 256;

/**
 * The fields of a comment, `{text, name?}`, as the WebSocket `comment` message and the body of
 * POST /api/channels/<id>/comments carry them: types only (the length and character rules give
 * their own codes later); a string saying what is wrong otherwise.
 */
export function readCommentFields(value: Record<string, unknown>, allowed: readonly string[] = ['text', 'name']): { text: string; name?: string } | string {
  const extra = unknownKey(value, allowed);
  if (extra) return `comment: unknown field "${extra.slice(0, 32)}"`;
  const { text, name } = value;
  if (typeof text !== 'string' || text.length > COMMENT_RAW_MAX) return 'comment: "text" must be a string';
  if (name !== undefined && (typeof name !== 'string' || name.length > NAME_RAW_MAX)) return 'comment: "name" must be a string';
  return name !== undefined ? { text, name } : { text };
}

/**
 * Validates one client text frame. Pure: never throws, whatever the input.
 * Size is checked on the raw length first so a huge frame is never parsed.
 */
export function parseClientMessage(raw: string): ParseResult {
  // raw.length counts UTF-16 units, not bytes: a UTF-8 byte count can be up to 3× larger, so strings
  // that could exceed the limit are measured in UTF-8.
  if (raw.length > MAX_CLIENT_MESSAGE_BYTES
    || (raw.length > MAX_CLIENT_MESSAGE_BYTES / 3 && utf8Length(raw) > MAX_CLIENT_MESSAGE_BYTES)) {
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: `message longer than ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: 'message is not valid JSON' };
  }
  if (!isRecord(value)) return { ok: false, code: ErrorCode.BAD_MESSAGE, message: 'message must be a JSON object' };
  const { type } = value;
  if (typeof type !== 'string') return { ok: false, code: ErrorCode.BAD_MESSAGE, message: 'message has no string "type"' };
  const id = value['id'];
  if (id !== undefined && !isCommandId(id)) {
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: '"id" must be a non-empty string (≤ 64 chars) or an integer' };
  }
  const bad = (message: string): ParseResult => ({ ok: false, code: ErrorCode.BAD_MESSAGE, message, ...(id !== undefined ? { id } : {}) });
  const withId = <T extends object>(m: T): T & { id?: CommandId } => (id !== undefined ? { ...m, id } : m);

  switch (type) {
    case 'hello': {
      const extra = unknownKey(value, ['type', 'id', 'codecs', 'mode', 'token']);
      if (extra) return bad(`hello: unknown field "${extra}"`);
      const { codecs, mode, token } = value;
      if (!Array.isArray(codecs) || codecs.length > 64 || !codecs.every((c) => typeof c === 'string' && c.length <= 256)) {
        return bad('hello: "codecs" must be an array of at most 64 strings');
      }
      if (mode !== undefined && !isPlaybackMode(mode)) return bad('hello: "mode" must be "mse", "mms" or "progressive"');
      if (token !== undefined && (typeof token !== 'string' || token.length > 1024)) return bad('hello: "token" must be a string');
      return { ok: true, message: withId({ type, codecs: codecs as string[], ...(mode ? { mode } : {}), ...(token !== undefined ? { token } : {}) }) };
    }
    case 'play':
    case 'pause':
    case 'seek': {
      const extra = unknownKey(value, type === 'seek' ? ['type', 'id', 'channel', 'position'] : ['type', 'id', 'channel']);
      if (extra) return bad(`${type}: unknown field "${extra}"`);
      const { channel, position } = value;
      if (channel !== undefined && (typeof channel !== 'string' || !isChannelId(channel))) return bad(`${type}: "channel" must be a channel id`);
      const target = channel !== undefined ? { channel } : {};
      if (type !== 'seek') return { ok: true, message: withId({ type, ...target }) };
      // Range (negative, past the end) is the channel's to judge: BAD_SEEK. Here only the type.
      if (typeof position !== 'number' || !Number.isFinite(position)) return bad('seek: "position" must be a finite number of seconds');
      return { ok: true, message: withId({ type, position, ...target }) };
    }
    case 'report': {
      const extra = unknownKey(value, ['type', 'mode', 'delaySec', 'driftMs', 'bufferSec', 'droppedFrames']);
      if (extra) return bad(`report: unknown field "${extra}"`);
      const { mode, delaySec, driftMs, bufferSec, droppedFrames } = value;
      const numOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));
      if (!isPlaybackMode(mode) || !numOrNull(delaySec) || !numOrNull(driftMs)
        || typeof bufferSec !== 'number' || !Number.isFinite(bufferSec) || !Number.isSafeInteger(droppedFrames)) {
        return bad('report: needs mode, delaySec (number|null), driftMs (number|null), bufferSec (number), droppedFrames (integer)');
      }
      return { ok: true, message: { type, mode, delaySec, driftMs, bufferSec, droppedFrames: droppedFrames as number } };
    }
    case 'subscribe': {
      const extra = unknownKey(value, ['type', 'id']);
      if (extra) return bad(`subscribe: unknown field "${extra}"`);
      return { ok: true, message: withId({ type }) };
    }
    case 'join': {
      const extra = unknownKey(value, ['type', 'id', 'channel']);
      if (extra) return bad(`join: unknown field "${extra}"`);
      const { channel } = value;
      if (typeof channel !== 'string' || !isChannelId(channel)) {
        return bad('join: "channel" must be a channel id (letters, digits, . _ -; at most 128)');
      }
      return { ok: true, message: withId({ type, channel }) };
    }
    case 'leave': {
      const extra = unknownKey(value, ['type', 'id']);
      if (extra) return bad(`leave: unknown field "${extra}"`);
      return { ok: true, message: withId({ type }) };
    }
    case 'ping': {
      const extra = unknownKey(value, ['type', 't0']);
      if (extra) return bad(`ping: unknown field "${extra}"`);
      const { t0 } = value;
      if (typeof t0 !== 'number' || !Number.isFinite(t0)) return bad('ping: "t0" must be a finite number');
      return { ok: true, message: { type, t0 } };
    }
    case 'comment': {
      const fields = readCommentFields(value, ['type', 'id', 'text', 'name']);
      if (typeof fields === 'string') return bad(fields);
      return { ok: true, message: withId({ type, ...fields }) };
    }
    case 'delete-comment': {
      const extra = unknownKey(value, ['type', 'id', 'comment']);
      if (extra) return bad(`delete-comment: unknown field "${extra}"`);
      const { comment } = value;
      if (!Number.isSafeInteger(comment) || (comment as number) < 1) return bad('delete-comment: "comment" must be a comment id (a positive integer)');
      return { ok: true, message: withId({ type, comment: comment as number }) };
    }
    default:
      return { ok: false, code: ErrorCode.UNKNOWN_TYPE, message: `unknown message type "${type.slice(0, 32)}"`, ...(id !== undefined ? { id } : {}) };
  }
}
