/**
 * The WebSocket to the server: JSON text frames are validated lightly and dispatched as typed
 * `message` events; binary frames (media) are passed through as ArrayBuffers. When the socket
 * closes without `close()` being called, it reconnects with capped exponential backoff.
 *
 * `consecutiveFailures` counts connections that closed (or never opened) before delivering a single
 * message; it resets when a socket delivers its first message. The `disconnect` event reports it so a
 * later fallback (progressive playback) can kick in after repeated failures.
 *
 * States: idle → connecting → open → (closed by peer) → waiting → connecting … ; close() → closed.
 */
import type { ClientMessage, ServerMessage } from '../../../server/protocol.js';
import { Emitter } from './emitter.js';

export interface BackoffOptions {
  /** Delay before the first reconnect, ms. */
  minDelayMs: number;
  /** Upper bound for the delay, ms. */
  maxDelayMs: number;
  /** Growth per consecutive failure. */
  factor: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { minDelayMs: 500, maxDelayMs: 8000, factor: 2 };

/** Delay before reconnect attempt number `failures` (1 = first retry): min · factor^(failures−1), capped. Pure. */
export function backoffDelayMs(failures: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  return Math.min(options.maxDelayMs, options.minDelayMs * options.factor ** (failures - 1));
}

const SERVER_TYPES: ReadonlySet<string> = new Set<ServerMessage['type']>(['welcome', 'session', 'mse', 'state', 'pong', 'ack', 'error', 'overview']);

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
  /** A socket opened; `attempt` counts from 1 for the first connect. */
  open: { attempt: number };
  message: ServerMessage;
  binary: ArrayBuffer;
  /** A text frame we could not parse (never dropped silently). */
  invalid: { reason: string; raw: string };
  /**
   * A socket closed without close() being called; a reconnect is scheduled after `retryInMs`.
   * `consecutiveFailures` is 0 when that socket had delivered messages (a drop, not a failure).
   */
  disconnect: { consecutiveFailures: number; code: number; reason: string; retryInMs: number };
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

export interface ConnectionOptions extends BackoffOptions {
  /** Creates the socket; defaults to `new WebSocket(url)`. */
  createSocket: (url: string) => SocketLike;
}

const OPEN = 1; // WebSocket.OPEN, without touching the global (absent in Node 20 tests)

export class Connection extends Emitter<ConnectionEvents> {
  private socket: SocketLike | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private attempts = 0;
  private gotMessage = false;
  private _state: ConnectionState = 'idle';
  private readonly options: ConnectionOptions;

  constructor(
    private readonly url: string,
    options: Partial<ConnectionOptions> = {},
  ) {
    super();
    this.options = { ...DEFAULT_BACKOFF, createSocket: (u) => new WebSocket(u), ...options };
    if (this.options.minDelayMs <= 0 || this.options.maxDelayMs < this.options.minDelayMs || this.options.factor < 1) {
      throw new TypeError('Connection: need 0 < minDelayMs ≤ maxDelayMs and factor ≥ 1');
    }
  }

  get state(): ConnectionState {
    return this._state;
  }
  get consecutiveFailures(): number {
    return this.failures;
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

  /** Closes for good: no reconnect, no more events. */
  close(): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(1000, 'client closed');
    }
    this.removeAllListeners();
  }

  private open(): void {
    this._state = 'connecting';
    this.attempts++;
    this.gotMessage = false;
    const socket = this.options.createSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this._state = 'open';
      this.emit('open', { attempt: this.attempts });
    };
    socket.onmessage = (ev) => this.onMessage(ev);
    // `error` is always followed by `close` (WHATWG HTML §10.4.2), which handles the retry.
    socket.onerror = null;
    socket.onclose = (ev) => this.onClose(ev.code, ev.reason);
  }

  private onMessage(ev: MessageEvent): void {
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

  private onClose(code: number, reason: string): void {
    if (this._state === 'closed') return;
    if (this.socket) detach(this.socket);
    this.socket = null;
    if (!this.gotMessage) this.failures++;
    // A socket that worked for a while and then dropped retries at the minimum delay.
    const retryInMs = backoffDelayMs(Math.max(1, this.failures), this.options);
    this._state = 'waiting';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this._state === 'waiting') this.open();
    }, retryInMs);
    this.emit('disconnect', { consecutiveFailures: this.failures, code, reason, retryInMs });
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onerror = null;
  socket.onclose = null;
}
