/**
 * Stable error codes shared by the wire protocol, the HTTP API and the logs.
 * A code never changes meaning once released: clients switch on it.
 */
export const ErrorCode = {
  /** A client message that is not JSON, too large, or fails validation. */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** A well-formed message whose `type` the server does not know. */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** `join` (or an HTTP call) named a channel that does not exist. */
  UNKNOWN_CHANNEL: 'UNKNOWN_CHANNEL',
  /** A channel command arrived before `join`. */
  NOT_JOINED: 'NOT_JOINED',
  /** None of the codecs the browser reported can play this channel. */
  UNSUPPORTED_CODEC: 'UNSUPPORTED_CODEC',
  /** The channel's ffmpeg exited or could not start; the message carries its stderr tail. */
  FFMPEG_EXIT: 'FFMPEG_EXIT',
  /** The source could not be probed (unreachable URL, missing file, not media). */
  SOURCE_UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  /** ffmpeg wrote something that is not a fragmented MP4 we can split. */
  BAD_STREAM: 'BAD_STREAM',
  NOT_SEEKABLE: 'NOT_SEEKABLE',
  BAD_SEEK: 'BAD_SEEK',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_FOUND: 'NOT_FOUND',
  /** Too many ffmpeg processes already run (`maxFfmpeg`): the channel retries when one frees. */
  BUSY: 'BUSY',
  /** The channel has `maxViewersPerChannel` viewers already. */
  CHANNEL_FULL: 'CHANNEL_FULL',
  /** This address holds `maxConnectionsPerIp` WebSockets already (HTTP 429 before the upgrade). */
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  /** The request's Origin is not allowed (WebSocket upgrade and CORS; HTTP 403). */
  ORIGIN_FORBIDDEN: 'ORIGIN_FORBIDDEN',
  /** The server is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error that carries a stable code; what the server logs and sends on the wire. */
export class PushcastError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PushcastError';
    this.code = code;
  }
}
