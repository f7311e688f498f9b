/**
 * The one registry of stable error codes, shared by the wire protocol, the HTTP API, the VOD routes,
 * the logs and the player. A code never changes meaning once released: clients switch on it.
 * Browser-safe (no Node, no DOM): the player imports it too.
 *
 * `status` is the HTTP status an HTTP answer with this code carries; `null` marks codes that only
 * travel over the WebSocket (or inside another error's message). `alsoStatus` lists the other
 * statuses a code may be sent with (FORBIDDEN is 401 without a token, 403 with a wrong one).
 * README.md's error table lists exactly these codes (test/server/core/errors.test.ts checks it).
 */
interface ErrorSpec {
  readonly status: number | null;
  readonly alsoStatus?: readonly number[];
  readonly meaning: string;
}

export const ERRORS = {
  BAD_MESSAGE: { status: 400, alsoStatus: [413], meaning: 'not JSON, wrong field types, unknown fields, too large' },
  UNKNOWN_TYPE: { status: 400, meaning: 'a well-formed message whose `type` the server does not know' },
  UNKNOWN_CHANNEL: { status: 404, meaning: 'no such channel' },
  NOT_JOINED: { status: null, meaning: 'a channel command arrived before `join`' },
  UNSUPPORTED_CODEC: { status: null, meaning: 'none of the codecs the browser reported can play this channel' },
  FFMPEG_EXIT: { status: null, meaning: "ffmpeg exited or could not start; the message carries its stderr tail" },
  FFMPEG_SPAWN: { status: null, meaning: 'ffmpeg could not be started at all for an MP4 copy (missing binary, EACCES)' },
  ABORTED: { status: null, meaning: 'an MP4 copy was stopped because the server is shutting down' },
  SOURCE_UNAVAILABLE: { status: null, meaning: 'the source could not be probed (unreachable URL, missing file, not media)' },
  BAD_STREAM: { status: null, meaning: 'ffmpeg wrote something that is not a fragmented MP4 we can split' },
  NOT_SEEKABLE: { status: 409, meaning: 'seek on a live channel' },
  BAD_SEEK: { status: 400, meaning: 'position negative, past the end, not a number' },
  FORBIDDEN: { status: 401, alsoStatus: [403], meaning: 'no token / wrong token' },
  RATE_LIMITED: { status: 429, meaning: 'more than 10 commands a second (bursts of 20); wrong tokens count too; any message over its budget' },
  NOT_FOUND: { status: 404, meaning: 'no such file, page or API' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the method is not allowed on this path (see `Allow`)' },
  PRECONDITION_FAILED: { status: 412, meaning: '`If-Match` / `If-Unmodified-Since` did not hold' },
  RANGE_NOT_SATISFIABLE: { status: 416, meaning: 'no requested byte range lies inside the file' },
  BUSY: { status: null, meaning: '`maxFfmpeg` ffmpeg processes run already; the channel retries' },
  CHANNEL_FULL: { status: null, meaning: 'the channel has `maxViewersPerChannel` viewers' },
  TOO_MANY_CONNECTIONS: { status: 429, meaning: '`maxConnectionsPerIp` WebSockets from this address' },
  ORIGIN_FORBIDDEN: { status: 403, meaning: 'a page of another site (not in `allowedOrigins`)' },
  SHUTTING_DOWN: { status: 503, meaning: 'the server is stopping' },
  VOD_PREPARING: { status: 202, meaning: 'an MP4 copy is being made; retry after `Retry-After` seconds' },
  VOD_DERIVE_FAILED: { status: 500, meaning: 'making the MP4 copy failed (message: the ffmpeg stderr tail); retried after a cool-down' },
  VOD_BAD_FORMAT: { status: 400, meaning: '`?format=` with something other than `mp4`' },
  VOD_NO_MP4: { status: 404, meaning: '`?format=mp4` for a file with no audio/video an MP4 could hold' },
  COMMENT_EMPTY: { status: 400, meaning: 'a comment with no text (blanks only)' },
  COMMENT_TOO_LONG: { status: 400, meaning: 'a comment over 200 characters (code points, after trimming)' },
  COMMENT_INVALID: { status: 400, meaning: 'a comment with control, line-separator or bidi-override characters' },
  NAME_INVALID: { status: 400, meaning: 'a display name over 32 characters or with control characters' },
  COMMENT_NOT_FOUND: { status: 404, meaning: 'no such comment on this channel (deleted, or never there)' },
  COMMENT_BAD_WINDOW: { status: 400, meaning: '`from` / `to` not finite, `from` > `to`, a window over 600 s, or a bad `limit`' },
  UPLOAD_NOT_VIDEO: { status: 422, meaning: 'a finished upload ffprobe cannot read as a video (no video stream, no duration, not media): refused and removed' },
  UPLOAD_TOO_LARGE: { status: 413, meaning: 'an upload longer than `uploadMaxBytes`' },
  UPLOAD_BUSY: { status: 409, meaning: 'the upload is being checked and moved into the media folder: it can no longer be cancelled' },
  UPLOAD_UNAVAILABLE: { status: 503, meaning: 'uploads are off: no ffprobe to check them, or the server is stopping mid-finish (the upload is kept)' },
  BAD_CHANNEL_ID: { status: 400, meaning: 'a channel id outside letters, digits, `.` `_` `-` (first a letter or digit, at most 128)' },
  BAD_SOURCE: { status: 400, meaning: 'a channel source that is empty, too long, has control characters, is not `scheme://…`, or names no regular file in the media folder, or a media file that is a playlist or list of other files' },
  SOURCE_SCHEME_FORBIDDEN: { status: 400, meaning: 'a channel source whose URL scheme is not in `allowedSourceSchemes` (`file:`, `concat:`, `pipe:` … never are)' },
  SOURCE_OUTSIDE_MEDIA: { status: 400, meaning: 'a file source outside the media folder (`..`, an absolute path elsewhere, a symlink that leads out)' },
  CHANNEL_EXISTS: { status: 409, meaning: 'a channel with this id exists already' },
  CHANNEL_READ_ONLY: { status: 409, meaning: 'deleting a channel of the config file, the media folder or the test pattern (only channels added at runtime can be)' },
  CHANNEL_DELETED: { status: null, meaning: 'the channel being watched was deleted; the viewer is no longer joined' },
  INTERNAL: { status: 500, meaning: 'a bug: the server logged it' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** `ErrorCode.BAD_MESSAGE === 'BAD_MESSAGE'`: the registry's keys as values, for call sites. */
export const ErrorCode: { readonly [K in ErrorCode]: K } = Object.freeze(
  Object.fromEntries(Object.keys(ERRORS).map((k) => [k, k])),
) as { readonly [K in ErrorCode]: K };

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, value);
}

/** The HTTP status for `code`; null for codes that never answer an HTTP request by themselves. */
export function httpStatusOf(code: ErrorCode): number | null {
  return ERRORS[code].status;
}

/** An error that carries a stable code; what the server logs and sends on the wire. */
export class PushcastError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PushcastError';
    this.code = code;
  }
}

/**
 * The JSON body of every pushcast HTTP error and of the 202 "being prepared" answer:
 * `{ "error": { "code", "message", …details } }`. `code` is stable, `message` is for humans.
 */
export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...details, code, message } };
}

/** Reads an `ErrorBody` (client and tests); null when `json` is not one. Extra fields are `details`. */
export function readErrorBody(json: unknown): { code: string; message: string; details: Record<string, unknown> } | null {
  if (typeof json !== 'object' || json === null) return null;
  const inner = (json as { error?: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const { code, message, ...details } = inner as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, details };
}
