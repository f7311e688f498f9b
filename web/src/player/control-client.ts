/**
 * The dashboard's connection: a WebSocket that joins no channel. It says `hello` with the control
 * token, `subscribe`s to the `overview` feed (every channel and viewer, on change and once a
 * second), keeps a clock offset (ping/pong, clock.ts) so positions can be extrapolated, and sends
 * play / pause / seek for any channel by name. Reconnects (and re-subscribes) by itself, with the
 * same backoff, jitter and silence detection as a viewer (connection.ts).
 *
 *   idle ─start()─▶ connecting ─welcome─▶ hello + subscribe ─ack─▶ subscribed
 *                      ▲  socket dropped: reconnect          └─error FORBIDDEN─▶ forbidden (token refused)
 *   any ─stop()─▶ closed
 */
import { PROTOCOL_VERSION, type OverviewMessage, type ServerMessage } from '../../../server/core/protocol.js';
import { ClockEstimator } from './clock.js';
import { CommandTracker, type CommandReply } from './commands.js';
import { Connection, DEFAULT_BACKOFF, DEFAULT_SILENCE_TIMEOUT_MS, type BackoffOptions } from './connection.js';
import { Emitter } from './emitter.js';
import { Pinger } from './pinger.js';

export type ControlClientState = 'idle' | 'connecting' | 'subscribed' | 'forbidden' | 'closed';

export interface ControlClientEvents {
  state: { from: ControlClientState; to: ControlClientState; reason?: string };
  overview: OverviewMessage;
  session: { sessionId: string; role: 'viewer' | 'controller' };
  /** An error that answers no command (e.g. the server could not parse something we sent). */
  error: { code: string; message: string };
  /** The socket dropped (or went silent); reconnect attempt `attempt` follows in retryInMs. */
  disconnect: { attempt: number; retryInMs: number; code: number; reason: string };
}

export interface ControlClientOptions {
  /** ms to wait for `ack` / `error` (commands.ts). */
  commandTimeoutMs: number;
  backoff: BackoffOptions;
  /** ms without any frame before the socket counts as dead (silence.ts); 0: off. */
  silenceTimeoutMs: number;
}

export class ControlClient extends Emitter<ControlClientEvents> {
  private _state: ControlClientState = 'idle';
  private connection: Connection | null = null;
  private readonly commands: CommandTracker;
  private readonly clock = new ClockEstimator(8);
  private readonly pinger: Pinger;
  private readonly options: ControlClientOptions;
  private _sessionId: string | null = null;

  constructor(
    private readonly url: string,
    private readonly token: string,
    options: Partial<ControlClientOptions> = {},
  ) {
    super();
    this.options = { commandTimeoutMs: 5000, backoff: DEFAULT_BACKOFF, silenceTimeoutMs: DEFAULT_SILENCE_TIMEOUT_MS, ...options };
    this.commands = new CommandTracker(this.options.commandTimeoutMs, 'd');
    this.pinger = new Pinger(() => this.connection?.send({ type: 'ping', t0: Date.now() }));
  }

  get state(): ControlClientState {
    return this._state;
  }

  get sessionId(): string | null {
    return this._sessionId;
  }

  /** Server clock now (ms), from the best ping/pong offset; the local clock before the first pong. */
  serverNow(): number {
    return Date.now() + (this.clock.best?.offsetMs ?? 0);
  }

  start(): void {
    if (this._state !== 'idle') return;
    this.setState('connecting');
    const connection = new Connection(this.url, { ...this.options.backoff, silenceTimeoutMs: this.options.silenceTimeoutMs });
    this.connection = connection;
    connection.on('open', () => this.pinger.start());
    connection.on('message', (m) => this.onMessage(m));
    connection.on('invalid', (e) => this.emit('error', { code: 'BAD_SERVER_MESSAGE', message: `${e.reason}: ${e.raw}` }));
    connection.on('disconnect', (e) => {
      this.pinger.stop();
      this.commands.cancelAll('the connection closed before the server answered');
      if (this._state === 'forbidden') return;
      this.setState('connecting', `socket closed (${e.code}); reconnect attempt ${e.retry} in ${e.retryInMs} ms`);
      this.emit('disconnect', { attempt: e.retry, retryInMs: e.retryInMs, code: e.code, reason: e.reason });
    });
    connection.connect();
  }

  stop(): void {
    if (this._state === 'closed') return;
    this.pinger.stop();
    this.commands.cancelAll('stopped');
    this.connection?.close();
    this.connection = null;
    this.setState('closed');
    this.removeAllListeners();
  }

  /** play / pause / seek `channel` for everyone watching it; never rejects (see commands.ts). */
  command(channel: string, type: 'play' | 'pause' | 'seek', position?: number): Promise<CommandReply> {
    if (type === 'seek' && (position === undefined || !Number.isFinite(position))) {
      return Promise.resolve({ type: 'error', id: '', code: 'BAD_SEEK', message: 'seek needs a finite position in seconds' });
    }
    const message = type === 'seek' ? { type, channel, position: position! } : { type, channel };
    return this.commands.send(message, (m) => this.connection?.send(m) ?? false);
  }

  private onMessage(m: ServerMessage): void {
    const connection = this.connection;
    if (!connection) return;
    switch (m.type) {
      case 'welcome':
        if (m.protocol !== PROTOCOL_VERSION) {
          this.setState('closed', `server speaks protocol ${m.protocol}, this page ${PROTOCOL_VERSION}`);
          connection.close();
          return;
        }
        // No codecs: this connection never joins a channel, it only controls and watches the feed.
        connection.send({ type: 'hello', codecs: [], token: this.token });
        void this.commands.send({ type: 'subscribe' }, (msg) => connection.send(msg)).then((reply) => {
          if (this.connection !== connection) return;
          if (reply.type === 'ack') this.setState('subscribed');
          else if (reply.code === 'FORBIDDEN') {
            this.setState('forbidden', reply.message);
            this.pinger.stop();
            connection.close(); // a refused token stays refused: do not reconnect with it
          } else this.emit('error', { code: reply.code, message: reply.message });
        });
        return;
      case 'session':
        this._sessionId = m.sessionId;
        this.emit('session', { sessionId: m.sessionId, role: m.role });
        return;
      case 'overview':
        this.emit('overview', m);
        return;
      case 'pong':
        this.clock.addPong(m.t0, m.t1, m.t2, Date.now());
        return;
      case 'ack':
        this.commands.settle(m);
        return;
      case 'error':
        if (!this.commands.settle(m)) this.emit('error', { code: m.code, message: m.message });
        return;
      case 'mse':
      case 'state':
        return; // we join no channel
    }
  }

  private setState(to: ControlClientState, reason?: string): void {
    const from = this._state;
    if (from === to || from === 'closed') return;
    this._state = to;
    this.emit('state', reason !== undefined ? { from, to, reason } : { from, to });
  }
}
