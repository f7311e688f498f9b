/**
 * The pushcast wire protocol, imported by both the server and the browser (keep it free of Node APIs).
 *
 * Text frames carry one JSON object `{ type, ... }`; binary frames carry media only:
 * the first binary frame after an `mse` message is the init segment (ftyp+moov), every later one a
 * media fragment (optional prft box, then moof+mdat). A client command may carry an `id`; replies to it
 * (`ack`, or `error` with a stable code) echo that `id`, so later commands fit the same envelope.
 */
import type { ErrorCode } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** Client text frames above this size are rejected before JSON.parse (bytes). */
export const MAX_CLIENT_MESSAGE_BYTES = 8 * 1024;

export type CommandId = string | number;

// ---- client → server -------------------------------------------------------------------------

/** First message: which codecs the browser can play (from MediaSource.isTypeSupported). */
export interface HelloMessage {
  type: 'hello';
  id?: CommandId;
  /**
   * RFC 6381 codec strings the browser reported as playable inside `video/mp4`, e.g. `avc1.64001f`,
   * `mp4a.40.2`, `opus`. The server matches the channel's codecs against them (codecsPlayable).
   */
  codecs: string[];
  /** What playback path the client is on: MSE, ManagedMediaSource or progressive fallback. */
  mode?: 'mse' | 'mms' | 'progressive';
}
export interface JoinMessage {
  type: 'join';
  id?: CommandId;
  channel: string;
}
export interface LeaveMessage {
  type: 'leave';
  id?: CommandId;
}
/** NTP-style clock probe: t0 is the client's send time (ms since epoch, client clock). */
export interface PingMessage {
  type: 'ping';
  t0: number;
}
export type ClientMessage = HelloMessage | JoinMessage | LeaveMessage | PingMessage;
export type ClientMessageType = ClientMessage['type'];

// ---- server → client -------------------------------------------------------------------------

export type ChannelStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'error';
export type SourceKind = 'test' | 'file' | 'live';

export interface ChannelInfo {
  id: string;
  kind: SourceKind;
  /** Shown to users; for URLs, credentials are stripped. */
  source: string;
  status: ChannelStatus;
  viewers: number;
  /** The exact `addSourceBuffer` MIME string once known, else null. */
  mime: string | null;
  codecs: string[];
  /** Seconds; null for live or unknown. */
  duration: number | null;
  /**
   * Timeline generation: bumped by every ffmpeg (re)start, seek and live resume. A new epoch means
   * the media of older epochs is void: drop the SourceBuffer's contents and start on the new init.
   */
  epoch: number;
  /** Bumped by every change of the playhead, so clients can ignore stale or reordered updates. */
  version: number;
  /** False while a controller has paused the channel (viewers hold their picture). */
  playing: boolean;
  /** File channels with a known duration accept `seek`. */
  seekable: boolean;
  /**
   * The shared playhead on the media timeline (what `video.currentTime` means) at server time
   * `positionAt`; while playing it advances in real time: at server time T the channel is at
   * mediaTime + (T − positionAt) / 1000. Viewers of file channels follow it to stay in step.
   */
  mediaTime: number;
  /** File position in seconds [0, duration) for `mediaTime`; null for live channels. */
  position: number | null;
  /** Server clock (ms since the Unix epoch) at which `mediaTime` / `position` hold. */
  positionAt: number;
  /** Server clock when this info was made (ms). */
  serverTime: number;
  /** Bits per second over the last few seconds while running, else null. */
  bitrate: number | null;
  error: { code: ErrorCode; message: string } | null;
}

export interface WelcomeMessage {
  type: 'welcome';
  protocol: number;
  server: string;
  /** Server clock (ms since epoch) when sent. */
  time: number;
}
/** Sent before an init segment: the exact MIME type to pass to `addSourceBuffer`. */
export interface MseMessage {
  type: 'mse';
  channel: string;
  mime: string;
  epoch: number;
}
export interface StateMessage {
  type: 'state';
  channel: ChannelInfo;
}
export interface PongMessage {
  type: 'pong';
  /** Client send time, echoed. */
  t0: number;
  /** Server receive time. */
  t1: number;
  /** Server send time. */
  t2: number;
}
export interface AckMessage {
  type: 'ack';
  id: CommandId;
}
export interface ErrorMessage {
  type: 'error';
  id?: CommandId;
  code: ErrorCode;
  message: string;
}
export type ServerMessage = WelcomeMessage | MseMessage | StateMessage | PongMessage | AckMessage | ErrorMessage;

// ---- validation ------------------------------------------------------------------------------

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: 'BAD_MESSAGE' | 'UNKNOWN_TYPE'; message: string; id?: CommandId };

const CHANNEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

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
 * Validates one client text frame. Pure: never throws, whatever the input.
 * Size is checked on the raw length first so a huge frame is never parsed.
 */
export function parseClientMessage(raw: string): ParseResult {
  // raw.length counts UTF-16 units, not bytes: a UTF-8 byte count can be up to 3× larger, so strings
  // that could exceed the limit are measured in UTF-8 (TextEncoder exists in Node and browsers).
  if (raw.length > MAX_CLIENT_MESSAGE_BYTES
    || (raw.length > MAX_CLIENT_MESSAGE_BYTES / 3 && new TextEncoder().encode(raw).length > MAX_CLIENT_MESSAGE_BYTES)) {
    return { ok: false, code: 'BAD_MESSAGE', message: `message longer than ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'BAD_MESSAGE', message: 'message is not valid JSON' };
  }
  if (!isRecord(value)) return { ok: false, code: 'BAD_MESSAGE', message: 'message must be a JSON object' };
  const { type } = value;
  if (typeof type !== 'string') return { ok: false, code: 'BAD_MESSAGE', message: 'message has no string "type"' };
  const id = value['id'];
  if (id !== undefined && !isCommandId(id)) {
    return { ok: false, code: 'BAD_MESSAGE', message: '"id" must be a non-empty string (≤ 64 chars) or an integer' };
  }
  const bad = (message: string): ParseResult => ({ ok: false, code: 'BAD_MESSAGE', message, ...(id !== undefined ? { id } : {}) });
  const withId = <T extends object>(m: T): T & { id?: CommandId } => (id !== undefined ? { ...m, id } : m);

  switch (type) {
    case 'hello': {
      const extra = unknownKey(value, ['type', 'id', 'codecs', 'mode']);
      if (extra) return bad(`hello: unknown field "${extra}"`);
      const { codecs, mode } = value;
      if (!Array.isArray(codecs) || codecs.length > 64 || !codecs.every((c) => typeof c === 'string' && c.length <= 256)) {
        return bad('hello: "codecs" must be an array of at most 64 strings');
      }
      if (mode !== undefined && mode !== 'mse' && mode !== 'mms' && mode !== 'progressive') {
        return bad('hello: "mode" must be "mse", "mms" or "progressive"');
      }
      return { ok: true, message: withId({ type, codecs: codecs as string[], ...(mode ? { mode } : {}) }) };
    }
    case 'join': {
      const extra = unknownKey(value, ['type', 'id', 'channel']);
      if (extra) return bad(`join: unknown field "${extra}"`);
      const { channel } = value;
      if (typeof channel !== 'string' || !CHANNEL_ID.test(channel)) {
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
    default:
      return { ok: false, code: 'UNKNOWN_TYPE', message: `unknown message type "${type.slice(0, 32)}"`, ...(id !== undefined ? { id } : {}) };
  }
}

/**
 * Codec strings a viewer tests with `MediaSource.isTypeSupported('video/mp4; codecs="…"')` before
 * `hello`: the common H.264 profiles at their usual top levels, AAC flavours, MP3 and Opus.
 */
export const CANDIDATE_CODECS: readonly string[] = [
  'avc1.42E01E', 'avc1.42E01F', 'avc1.42E028', 'avc1.4D401F', 'avc1.4D4028', 'avc1.4D4032',
  'avc1.64001F', 'avc1.640028', 'avc1.64002A', 'avc1.640032', 'avc1.640033', 'avc1.640034',
  'mp4a.40.2', 'mp4a.40.5', 'mp4a.40.29', 'mp4a.69', 'mp4a.6B', 'opus',
];

/** H.264 codec string parts: avc1.PPCCLL (RFC 6381 §3.3: profile_idc, constraint flags, level_idc). */
function avcParts(codec: string): { profile: number; level: number } | null {
  const m = /^avc[13]\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(codec);
  if (!m) return null;
  return { profile: parseInt(m[1]!, 16), level: parseInt(m[3]!, 16) };
}

/**
 * True when one codec the browser reported covers `codec`: H.264 with the same profile at an equal
 * or higher level (a decoder for level 4.0 plays 3.1), anything else by case-insensitive equality.
 */
export function codecCovered(codec: string, playable: readonly string[]): boolean {
  const avc = avcParts(codec);
  return playable.some((p) => {
    if (avc) {
      const q = avcParts(p);
      return q !== null && q.profile === avc.profile && q.level >= avc.level;
    }
    return p.toLowerCase() === codec.toLowerCase();
  });
}

/** The channel's codecs the browser cannot play (empty when it can play them all). */
export function unplayableCodecs(channelCodecs: readonly string[], playable: readonly string[]): string[] {
  return channelCodecs.filter((c) => !codecCovered(c, playable));
}

/** True when a channel id is syntactically valid (also used for file-derived ids). */
export function isChannelId(id: string): boolean {
  return CHANNEL_ID.test(id);
}
