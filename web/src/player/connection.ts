/**
 * The WebSocket to the server: JSON text frames are validated lightly and dispatched as typed
 * `message` events; binary frames (media) are passed through as ArrayBuffers. When the socket
 * closes without `close()` being called, it reconnects with exponential backoff and full jitter
 * (backoff.ts); a socket silent for `silenceTimeoutMs` (no frame of any kind, silence.ts) is closed
 * and replaced the same way, including one stuck connecting.
 *
 * `consecutiveFailures` counts connections that closed (or never opened) before delivering a single
 * message; it resets when a socket delivers its first message. The `disconnect` event reports it so a
 * later fallback (progressive playback) can kick in after repeated failures. `retry` numbers the
 * reconnect attempts since the last socket that worked (what the page shows as "attempt n").
 *
 * States: idle → connecting → open → (closed by peer, or silent) → waiting → connecting … ;
 *         suspend() → suspended (no socket, no retry) → resume() → connecting;  close() → closed.
 */
import type { ClientMessage, ServerMessage } from '../../../server/core/protocol.js';
import { DEFAULT_BACKOFF, checkBackoffOptions, nextRetryNumber, reconnectDelayMs, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { SilenceWatchdog } from './silence.js';

export { DEFAULT_BACKOFF, backoffCeilingMs, reconnectDelayMs, type BackoffOptions } from './backoff.js';

/**
 * The code we close a silent socket with (RFC 6455 §7.4.2: 4000–4999 are for applications). The
 * server never sends it; the `disconnect` event reports it so the cause shows in the errors.
 */
export const SILENT_CLOSE_CODE = 4000;
/** Close code the browser reports for a socket that dropped without a close frame (RFC 6455 §7.1.5). */
const ABNORMAL_CLOSE_CODE = 1006;

const SERVER_TYPES: ReadonlySet<string> = new Set<ServerMessage['type']>(['welcome', 'session', 'mse', 'state', 'pong', 'ack', 'error', 'overview', 'comment', 'comment-deleted']);

/**
 * Parses one server text frame. Checks that it is a JSON object with a known `type`; the server is
 * trusted for the rest of the shape (it is validated on the way out by its own types).
 */
export function parseServerMessage(raw: string): { ok: true; message: ServerMessage } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !SERVER_TYPES.has(type)) return { ok: false, reason: `unknown type ${JSON.stringify(type)}` };
  return { ok: true, message: value as ServerMessage };
}

/** The part of the DOM WebSocket we use, so tests can pass a fake. */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export interface ConnectionEvents {
  /** A socket opened; `attempt` counts sockets from 1; `retry` is the reconnect attempt it was (0: none). */
  open: { attempt: number; retry: number };
  message: ServerMessage;
  binary: ArrayBuffer;
  /** A text frame we could not parse (never dropped silently). */
  invalid: { reason: string; raw: string };
  /**
   * A socket closed without close() being called (or was closed for silence: code
   * SILENT_CLOSE_CODE); reconnect attempt `retry` is scheduled after `retryInMs`.
   * `consecutiveFailures` is 0 when that socket had delivered messages (a drop, not a failure).
   */
  disconnect: { consecutiveFailures: number; code: number; reason: string; retryInMs: number; retry: number };
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'suspended' | 'closed';

export interface ConnectionOptions extends BackoffOptions {
  /** Creates the socket; defaults to `new WebSocket(url)`. */
  createSocket: (url: string) => SocketLike;
  /** No frame at all for this long, ms, closes the socket and reconnects; 0 turns it off (silence.ts). */
  silenceTimeoutMs: number;
  /** Source of the backoff jitter, [0, 1) (tests pass their own). */
  random: () => number;
  /** Monotonic clock, ms (silence and stable-socket times). */
  now: () => number;
}

/** 10 s: ten missed pongs (the Pinger asks every second), well inside the server's 15 s heartbeat. */
export const DEFAULT_SILENCE_TIMEOUT_MS = 10_000;

const OPEN = 1; // WebSocket.OPEN, without touching the global (absent in Node 20 tests)

export class Connection extends Emitter<ConnectionEvents> {
  private socket: SocketLike | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly watchdog: SilenceWatchdog | null;
  private failures = 0;
  private attempts = 0;
  /** Reconnect attempts since the last socket that worked (backoff.ts nextRetryNumber). */
  private retry = 0;
  private gotMessage = false;
  /** now() when the current socket opened; null while it has not. */
  private openedAt: number | null = null;
  private _state: ConnectionState = 'idle';
  private readonly options: ConnectionOptions;

  constructor(
    private readonly url: string,
    options: Partial<ConnectionOptions> = {},
  ) {
    super();
    this.options = {
      ...DEFAULT_BACKOFF,
      createSocket: (u) => new WebSocket(u),
      silenceTimeoutMs: DEFAULT_SILENCE_TIMEOUT_MS,
      random: Math.random,
      now: () => performance.now(),
      ...options,
    };
    checkBackoffOptions(this.options);
    if (!(this.options.silenceTimeoutMs >= 0)) throw new TypeError('Connection: silenceTimeoutMs must be ≥ 0 (0: off)');
    this.watchdog = this.options.silenceTimeoutMs > 0
      ? new SilenceWatchdog(this.options.silenceTimeoutMs, (ms) => this.onSilent(ms), this.options.now)
      : null;
  }

  get state(): ConnectionState {
    return this._state;
  }
  get consecutiveFailures(): number {
    return this.failures;
  }
  /** The reconnect attempt under way or scheduled (0 while a socket that worked is up). */
  get retryNumber(): number {
    return this.retry;
  }

  connect(): void {
    if (this._state !== 'idle') return;
    this.open();
  }

  /** Sends one message; returns false (and sends nothing) when the socket is not open. */
  send(message: ClientMessage): boolean {
    if (this.socket === null || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Closes the socket and does not reconnect until resume() (a page in the background, Player).
   * No `disconnect` event: the caller knows.
   */
  suspend(): void {
    if (this._state === 'closed' || this._state === 'suspended' || this._state === 'idle') return;
    this.dropSocket(1000, 'suspended');
    this._state = 'suspended';
  }

  /** Connects again at once after suspend(), as a fresh start (no backoff: nothing failed). */
  resume(): void {
    if (this._state !== 'suspended') return;
    this.retry = 0;
    this.failures = 0;
    this.open();
  }

  /** Closes for good: no reconnect, no more events. */
  close(): void {
    if (this._state === 'closed') return;
    this.dropSocket(1000, 'client closed');
    this._state = 'closed';
    this.removeAllListeners();
  }

  private open(): void {
    this._state = 'connecting';
    this.attempts++;
    this.gotMessage = false;
    this.openedAt = null;
    const socket = this.options.createSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    // Started before `open`: a connect that hangs (SYN into a black hole) is silence too.
    this.watchdog?.start();
    socket.onopen = () => {
      this._state = 'open';
      this.openedAt = this.options.now();
      this.emit('open', { attempt: this.attempts, retry: this.retry });
    };
    socket.onmessage = (ev) => this.onMessage(ev);
    // `error` is always followed by `close` (WHATWG HTML §10.4.2), which handles the retry.
    socket.onerror = null;
    socket.onclose = (ev) => this.onClose(ev.code, ev.reason);
  }

  private onMessage(ev: MessageEvent): void {
    this.watchdog?.heard();
    if (!this.gotMessage) {
      this.gotMessage = true;
      this.failures = 0;
    }
    const data: unknown = ev.data;
    if (typeof data === 'string') {
      const parsed = parseServerMessage(data);
      if (parsed.ok) this.emit('message', parsed.message);
      else this.emit('invalid', { reason: parsed.reason, raw: data.slice(0, 200) });
    } else if (data instanceof ArrayBuffer) {
      this.emit('binary', data);
    } else {
      this.emit('invalid', { reason: `unexpected frame data ${Object.prototype.toString.call(data)}`, raw: '' });
    }
  }

  /**
   * The socket went quiet: close it ourselves and retry. We do not wait for its `close` event: a
   * close handshake over a dead path only ends when the browser gives up (RFC 6455 §7.1.1).
   */
  private onSilent(silentMs: number): void {
    if (this._state !== 'connecting' && this._state !== 'open') return;
    const what = this._state === 'connecting' ? 'no answer to the connect' : 'no message';
    const reason = `${what} for ${Math.round(silentMs)} ms`;
    this.dropSocket(SILENT_CLOSE_CODE, reason);
    this.onClose(SILENT_CLOSE_CODE, reason);
  }

  private onClose(code: number, reason: string): void {
    if (this._state === 'closed' || this._state === 'suspended') return;
    this.dropSocket(null, '');
    if (!this.gotMessage) this.failures++;
    const openForMs = this.openedAt === null ? null : this.options.now() - this.openedAt;
    this.retry = nextRetryNumber(this.retry, this.gotMessage, openForMs, this.options);
    const retryInMs = reconnectDelayMs(this.retry, code, this.options.random, this.options);
    this._state = 'waiting';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this._state === 'waiting') this.open();
    }, retryInMs);
    this.emit('disconnect', { consecutiveFailures: this.failures, code: code || ABNORMAL_CLOSE_CODE, reason, retryInMs, retry: this.retry });
  }

  /** Forgets the current socket (and any pending retry); closes it with `code` unless null. */
  private dropSocket(code: number | null, reason: string): void {
    this.watchdog?.stop();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    detach(socket);
    if (code !== null) socket.close(code, reason);
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onerror = null;
  socket.onclose = null;
}
