/**
 * Player errors: a stable `code` (the server's registry in server/core/errors.ts, plus the
 * client-side ones below, which never reuse a registry code), a human message, and whether the
 * player can go on by itself (`fatal: false`).
 */
import type { ErrorCode } from '../../../server/core/errors.js';

export const PlayerErrorCode = {
  /**
   * Neither ManagedMediaSource nor MediaSource exists in this browser and the channel has no file
   * to play progressively (live and test channels); file channels fall back instead (progressive.ts).
   */
  NO_MSE: 'NO_MSE',
  /** The progressive fallback found nothing to play: no file, an HTTP error, or the MP4 copy failed. */
  VOD_UNAVAILABLE: 'VOD_UNAVAILABLE',
  /** MediaSource.addSourceBuffer refused the server's MIME string. */
  ADD_SOURCE_BUFFER: 'ADD_SOURCE_BUFFER',
  /** appendBuffer threw, or the SourceBuffer fired `error` (bad media). */
  APPEND: 'APPEND',
  /** The buffer stayed full after evicting everything behind the playhead. */
  BUFFER_FULL: 'BUFFER_FULL',
  /** remove()/abort() on the SourceBuffer threw. */
  BUFFER_OP: 'BUFFER_OP',
  /** The <video> element reported a MediaError (decode, network, not supported). */
  MEDIA_ERROR: 'MEDIA_ERROR',
  /** The WebSocket closed or could not connect; the connection retries with backoff. */
  CONNECTION: 'CONNECTION',
  /** The server sent a text frame we cannot parse, or binary data out of order. */
  BAD_SERVER_MESSAGE: 'BAD_SERVER_MESSAGE',
  /** The server speaks a protocol version we do not know. */
  PROTOCOL_VERSION: 'PROTOCOL_VERSION',
  /** play() was rejected for a reason other than the autoplay policy. */
  PLAY_FAILED: 'PLAY_FAILED',
  /** A command (play / pause / seek / subscribe) could not be sent: the socket is not open (commands.ts). */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** A command got neither `ack` nor `error` in time (commands.ts). */
  COMMAND_TIMEOUT: 'COMMAND_TIMEOUT',
} as const;
export type ClientErrorCode = (typeof PlayerErrorCode)[keyof typeof PlayerErrorCode];

export interface PlayerError {
  code: ErrorCode | ClientErrorCode;
  message: string;
  /** True when the player stopped (state `error`) rather than recovering by itself. */
  fatal: boolean;
}

/** "Name: message" for an unknown thrown value, for error messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

/** True for DOMException/Error objects with the given name (QuotaExceededError, NotAllowedError, …). */
export function hasErrorName(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && (err as { name: unknown }).name === name;
}

/**
 * The recent errors shown in stats(). The server reports a channel failure both as an `error`
 * message and in the channel's `state`, so an error identical to the previous one within
 * `repeatWindowMs` is recorded once. Pure: the caller passes the time.
 */
export class ErrorLog {
  private readonly entries: PlayerError[] = [];
  private lastAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxEntries = 20,
    private readonly repeatWindowMs = 1000,
  ) {}

  /** Adds `error`; returns false (and adds nothing) when it repeats the previous one. */
  record(error: PlayerError, nowMs: number): boolean {
    const last = this.entries.at(-1);
    const repeat = last !== undefined && last.code === error.code && last.message === error.message && nowMs - this.lastAtMs < this.repeatWindowMs;
    this.lastAtMs = nowMs;
    if (repeat) return false;
    this.entries.push(error);
    if (this.entries.length > this.maxEntries) this.entries.shift();
    return true;
  }

  list(): PlayerError[] {
    return this.entries.map(({ code, message, fatal }) => ({ code, message, fatal }));
  }

  clear(): void {
    this.entries.length = 0;
    this.lastAtMs = Number.NEGATIVE_INFINITY;
  }
}
