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
  mode?: PlaybackMode;
  /** The control token: makes this session a `controller` (see `session`). Never echoed or logged. */
  token?: string;
}
export type PlaybackMode = 'mse' | 'mms' | 'progressive';
/**
 * Control commands. Without `channel` they act on the joined channel; a controller (the dashboard)
 * may name any channel. Answered by `ack {id}` or `error {id, code}`.
 */
export interface PlayMessage {
  type: 'play';
  id?: CommandId;
  channel?: string;
}
export interface PauseMessage {
  type: 'pause';
  id?: CommandId;
  channel?: string;
}
export interface SeekMessage {
  type: 'seek';
  id?: CommandId;
  channel?: string;
  /** Seconds into the file, [0, duration]. */
  position: number;
}
export type ControlMessage = PlayMessage | PauseMessage | SeekMessage;
/** A viewer's playback report (about once a second), shown per viewer on the dashboard. */
export interface ReportMessage {
  type: 'report';
  mode: PlaybackMode;
  /** Seconds behind live (live channels), null when unknown. */
  delaySec: number | null;
  /** Milliseconds ahead (+) or behind (−) the channel's playhead (file channels), null when unknown. */
  driftMs: number | null;
  bufferSec: number;
  droppedFrames: number;
}
/** Dashboard: send me an `overview` of every channel and viewer (controllers only). */
export interface SubscribeMessage {
  type: 'subscribe';
  id?: CommandId;
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
/** A timed comment on the joined channel (README "Comments"); answered by `ack` / `error {id}`. */
export interface CommentPostMessage {
  type: 'comment';
  id?: CommandId;
  /** One line, 1–200 characters after trimming (core/comment-text.ts). */
  text: string;
  /** Display name, ≤ 32 characters; "viewer" when absent. */
  name?: string;
}
/** Controllers: delete a comment for everyone. `comment` is its id (`id` is the reply's, as everywhere). */
export interface CommentDeleteMessage {
  type: 'delete-comment';
  id?: CommandId;
  comment: number;
}
export type ClientMessage = HelloMessage | JoinMessage | LeaveMessage | PingMessage | ControlMessage | ReportMessage | SubscribeMessage | CommentPostMessage | CommentDeleteMessage;
export type ClientMessageType = ClientMessage['type'];

// ---- server → client -------------------------------------------------------------------------

/**
 * The channel's supervision state (server/channel.ts):
 *   idle → starting (probe, spawn) → running (media flows) → stopping → idle
 *   starting|running → retrying (the source failed; `nextRetryAt` says when it tries again)
 *   retrying → starting;  retrying → error after `attempt` reached the limit (then it retries slowly)
 */
export type ChannelStatus = 'idle' | 'starting' | 'running' | 'retrying' | 'stopping' | 'error';
export type SourceKind = 'test' | 'file' | 'live';
/** Where a channel came from: only `runtime` ones (POST /api/channels) can be deleted. */
export type ChannelOrigin = 'builtin' | 'config' | 'media' | 'runtime';

export interface ChannelInfo {
  id: string;
  kind: SourceKind;
  /** Shown to users; for URLs, credentials are stripped. */
  source: string;
  status: ChannelStatus;
  viewers: number;
  /** The exact `addSourceBuffer` MIME string while ffmpeg runs, else null. */
  mime: string | null;
  /** RFC 6381 codec strings of the channel's output: the current run's, or the last one's while idle. */
  codecs: string[];
  /** Seconds; null for live or unknown. File channels probe it at startup, before any viewer. */
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
  /** Where the file is served for progressive playback (`/vod/…`), null for live channels. */
  vod: string | null;
  /** `open`: any viewer may control it; `token`: controllers only. */
  control: 'open' | 'token';
  /** Bits per second over the last few seconds while running, else null. */
  bitrate: number | null;
  /** The last failure (credentials masked), kept until a run produces media again. */
  error: { code: ErrorCode; message: string } | null;
  /** Failed starts in a row (0 once a run produced media). */
  attempt: number;
  /** Server clock (ms) of the next start attempt while `retrying` / `error`, else null. */
  nextRetryAt: number | null;
  /** Fragments skipped for this channel's viewers because their connection could not keep up. */
  drops: number;
  /** The test pattern (builtin), the config file, a file of the media folder, or added at runtime. */
  origin?: ChannelOrigin;
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
/** Answers `hello`: who this session is and what it may do. */
export interface SessionMessage {
  type: 'session';
  /** Server-chosen id of this connection, as the dashboard lists it. */
  sessionId: string;
  role: 'viewer' | 'controller';
}
export interface ViewerReport {
  sessionId: string;
  channel: string | null;
  role: 'viewer' | 'controller';
  /** Server clock when the socket connected (ms). */
  connectedAt: number;
  /** The latest `report`, null until the viewer sent one. */
  report: Omit<ReportMessage, 'type'> | null;
  /** Fragments the server skipped for this viewer (its connection could not keep up). */
  drops: number;
}
/** Dashboard feed: every channel and every connected viewer, on change and once a second. */
export interface OverviewMessage {
  type: 'overview';
  channels: ChannelInfo[];
  viewers: ViewerReport[];
}
/**
 * WebSocket close codes the server uses (RFC 6455 §7.4). A client that sees GOING_AWAY, or any
 * code but POLICY_VIOLATION / MESSAGE_TOO_BIG, reconnects with backoff.
 */
export const CloseCode = {
  NORMAL: 1000,
  /** The server is shutting down (or restarting): reconnect with backoff. */
  GOING_AWAY: 1001,
  /** The client kept breaking the rules (message rate far over the limit, binary frames). */
  POLICY_VIOLATION: 1008,
  /** A frame above the server's message size limit (ws closes with this itself). */
  MESSAGE_TOO_BIG: 1009,
  /** The viewer stayed overloaded: its connection could not keep up even from keyframes. */
  SLOW_CONSUMER: 4001,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * A stored timed comment, as every viewer of its channel gets it and GET …/comments lists it.
 * `at`: seconds into the file where the channel's shared playhead stood when it was posted (file
 * channels: it shows again whenever playback passes there); null on live channels, whose media
 * timeline restarts with every run, so a position would point nowhere later.
 */
export interface CommentInfo {
  id: number;
  channel: string;
  at: number | null;
  /** Server clock when posted, ms since the Unix epoch. */
  time: number;
  name: string;
  text: string;
}
export interface CommentMessage extends CommentInfo {
  type: 'comment';
}
export interface CommentDeletedMessage {
  type: 'comment-deleted';
  id: number;
  channel: string;
}

export type ServerMessage =
  | WelcomeMessage | SessionMessage | MseMessage | StateMessage | PongMessage | AckMessage | ErrorMessage | OverviewMessage
  | CommentMessage | CommentDeletedMessage;

// Validation of client frames (parseClientMessage) lives in protocol-validate.ts.

/** Channel ids: letters, digits, `.`, `_`, `-`; at most 128 characters, not starting with punctuation. */
const CHANNEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

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

export function isPlaybackMode(v: unknown): v is PlaybackMode {
  return v === 'mse' || v === 'mms' || v === 'progressive';
}

/** True when a channel id is syntactically valid (also used for file-derived ids). */
export function isChannelId(id: string): boolean {
  return CHANNEL_ID.test(id);
}
