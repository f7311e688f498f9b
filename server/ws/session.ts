/**
 * A Session owns one viewer's WebSocket: it validates what the client sends, joins it to a channel,
 * and forwards the channel's timeline to it (text `mse`, then the init segment and fragments as
 * binary frames).
 *
 * States:  greeting (socket open, no hello yet) → ready (hello received) → joined (viewing a channel)
 *          any → closed (socket gone; the channel forgets it)
 *
 * Backpressure: a viewer whose socket cannot keep up (ws.bufferedAmount above maxBufferedBytes)
 * does not slow the channel or other viewers. It skips fragments until the next keyframe fragment,
 * so what it receives stays decodable; its player jumps the gap. JSON is bounded too: while the
 * socket is backed up, `state` messages collapse to the newest one (sent once it drains) and
 * dashboard overviews are dropped. A viewer that stays overloaded for overloadCloseMs, or whose
 * queue passes a hard cap, is closed with 4001 SLOW_CONSUMER, which frees everything it held.
 *
 * Abuse: every message passes a MessageGate (control/message-gate.ts): per-type and overall rate
 * limits answered RATE_LIMITED; a client that keeps flooding is closed with 1008. Every text frame
 * that leaves goes through maskSecrets (redact.ts): a source's password in an ffmpeg error never
 * reaches a viewer.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Channel, ChannelViewer } from '../channel/channel.js';
import { roleFor, type Role } from '../access/auth.js';
import { DEFAULTS } from '../runtime/config.js';
import { DEFAULT_GATE, MessageGate, budgetScale } from '../access/message-gate.js';
import { ErrorCode, type PushcastError } from '../core/errors.js';
import type { Fragment, InitSegment } from '../ffmpeg/fragmenter.js';
import type { Logger } from '../runtime/log.js';
import { maskSecrets } from '../runtime/redact.js';
import {
  CloseCode,
  PROTOCOL_VERSION,
  parseClientMessage,
  unplayableCodecs,
  type ChannelInfo,
  type ClientMessage,
  type CommandId,
  type ControlMessage,
  type ServerMessage,
  type ViewerReport,
} from '../core/protocol.js';

export interface SessionOptions {
  socket: WebSocket;
  /** Looks a channel up by id; undefined when there is none. */
  findChannel: (id: string) => Channel | undefined;
  /** Bytes a socket may hold unsent before the viewer starts skipping to the next keyframe. */
  maxBufferedBytes: number;
  serverName: string;
  /** The token that makes a session a controller (compared in constant time, never logged). */
  controlToken: string;
  /** Control commands a session may send: a burst, then this many per second. */
  commandBurst: number;
  commandsPerSecond: number;
  /** Every client message: a burst, then this many per second (config messageBurst / messagesPerSecond). */
  messageBurst?: number;
  messagesPerSecond?: number;
  /** A viewer that keeps skipping fragments this long is closed with 4001, ms. */
  overloadCloseMs?: number;
  /** Counters for /metrics; optional so unit tests need none. */
  metrics?: SessionMetrics;
  log: Logger;
}

/** What a session reports to the metrics (server/metrics.ts implements it). */
export interface SessionMetrics {
  fragmentSent(channelId: string, bytes: number): void;
  /** Seconds from the channel handing the fragment over to the socket taking it. */
  deliveryDelay(channelId: string, seconds: number): void;
  dropped(channelId: string, count: number): void;
}

/** Past maxBufferedBytes × this (plus the slack below), the socket is closed at once: a hard cap. */
const HARD_CAP_FACTOR = 4;
const HARD_CAP_SLACK_BYTES = 1024 * 1024;
/** A closing socket that has not finished its close handshake by then is destroyed, ms. */
const CLOSE_GRACE_MS = 1_000;
/** How often a state held back by backpressure is retried, ms. */
const PENDING_STATE_RETRY_MS = 250;
/**
 * States go to a viewer at most this often, ms: the first of a burst at once, then the newest one
 * per gap. Bounds what one client's join/leave churn makes every bystander receive (issue 9).
 */
export const STATE_MIN_GAP_MS = 100;

/** Control commands a session may send at once, then per second (RATE_LIMITED beyond). */
export const COMMAND_BURST = 20;
export const COMMANDS_PER_SECOND = 10;

export type SessionState = 'greeting' | 'ready' | 'joined' | 'closed';

export class Session implements ChannelViewer {
  state: SessionState = 'greeting';
  readonly id = randomUUID().slice(0, 8);
  readonly connectedAt = Date.now();
  role: Role = 'viewer';
  /** A dashboard asked for `overview` messages (controllers only). */
  subscribed = false;
  private report: ViewerReport['report'] = null;
  /** Rate limits; token attempts in `hello` are charged to its command budget. */
  private readonly gate: MessageGate;
  private channel: Channel | null = null;
  private codecs: string[] = [];
  /** The epoch whose init segment this viewer has; fragments of any other epoch are not sent. */
  private epoch = -1;
  /** True after a fragment was dropped: nothing more is sent until a keyframe fragment. */
  private waitingForKey = false;
  /** True while fragments are skipped because the socket was backed up (not at a timeline start). */
  private lagging = false;
  /** Fragments not sent because the socket was backed up. */
  private skipped = 0;
  /** Since when the viewer has been skipping without its queue draining, ms; null when healthy. */
  private overloadedSince: number | null = null;
  /** The newest state held back while the socket was backed up. */
  private pendingState: ChannelInfo | null = null;
  private pendingTimer: NodeJS.Timeout | null = null;
  /** When the last state went out, ms (STATE_MIN_GAP_MS). */
  private lastStateAt = -Infinity;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SessionOptions) {
    const now = Date.now();
    this.gate = new MessageGate({
      ...DEFAULT_GATE,
      overall: { burst: opts.messageBurst ?? DEFAULTS.messageBurst, perSecond: opts.messagesPerSecond ?? DEFAULTS.messagesPerSecond },
      commands: { burst: opts.commandBurst, perSecond: opts.commandsPerSecond },
      scale: budgetScale(opts.messagesPerSecond ?? DEFAULTS.messagesPerSecond),
    }, now);
  }

  /** What the dashboard shows for this connection. */
  describe(): ViewerReport {
    return { sessionId: this.id, channel: this.channel?.id ?? null, role: this.role, connectedAt: this.connectedAt, report: this.report, drops: this.skipped };
  }

  /** Sends a dashboard overview unless the socket is backed up (the next one supersedes it). */
  push(msg: ServerMessage): void {
    if (this.backedUp()) return;
    this.send(msg);
  }

  /** The code this server closed the connection with, when it did (metrics count it, not 1006). */
  closedWith: number | null = null;

  /** Closes the connection with a code and reason; destroys it if the handshake does not finish. */
  close(code: number, reason: string): void {
    const { socket } = this.opts;
    this.closedWith ??= code;
    this.stop();
    if (socket.readyState === socket.OPEN) socket.close(code, reason);
    // A peer that stopped reading never answers the close frame: free its buffers anyway.
    this.closeTimer ??= setTimeout(() => socket.terminate?.(), CLOSE_GRACE_MS);
    this.closeTimer.unref?.();
  }

  start(): void {
    const { socket } = this.opts;
    socket.on('message', (data, isBinary) => {
      if (this.state === 'closed') return;
      if (isBinary) {
        if (this.gate.strike(Date.now()) === 'close') this.close(CloseCode.POLICY_VIOLATION, 'binary frames from the client');
        else this.sendError(ErrorCode.BAD_MESSAGE, 'binary frames from clients are not accepted');
        return;
      }
      this.onText(String(data));
    });
    socket.on('close', () => this.stop());
    socket.on('error', (err) => this.opts.log.debug('socket error', { session: this.id, error: err.message }));
    this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, server: this.opts.serverName, time: Date.now() });
  }

  /** → closed: leaves the channel; safe to call more than once. */
  stop(): void {
    if (this.state === 'closed') return;
    this.leaveChannel();
    this.state = 'closed';
    this.pendingState = null;
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    if (this.skipped > 0) this.opts.log.info('viewer skipped fragments', { session: this.id, skipped: this.skipped });
  }

  private onText(raw: string): void {
    if (this.state === 'closed') return;
    const parsed = parseClientMessage(raw);
    const now = Date.now();
    const admission = this.gate.admit(parsed.ok ? parsed.message.type : 'invalid', now);
    if (admission === 'close') {
      this.opts.log.warn('client flooding: closing', { session: this.id });
      this.close(CloseCode.POLICY_VIOLATION, 'message rate far over the limit');
      return;
    }
    if (admission === 'limited') {
      const id = parsed.ok ? ('id' in parsed.message ? parsed.message.id : undefined) : parsed.id;
      if (this.gate.shouldReply(now)) this.sendError(ErrorCode.RATE_LIMITED, 'too many messages: slow down', id);
      return;
    }
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message, parsed.id);
      return;
    }
    this.handle(parsed.message);
  }

  private handle(msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        // Token guesses cost like commands: a client cannot try tokens faster than it may command.
        if (msg.token !== undefined && !this.gate.chargeCommand(Date.now())) {
          this.sendError(ErrorCode.RATE_LIMITED, `more than ${this.opts.commandsPerSecond} token attempts per second`, msg.id);
          return;
        }
        this.codecs = msg.codecs;
        this.role = roleFor(msg.token, this.opts.controlToken);
        if (this.state === 'greeting') this.state = 'ready';
        this.ack(msg.id);
        this.send({ type: 'session', sessionId: this.id, role: this.role });
        return;
      case 'play':
      case 'pause':
      case 'seek':
        this.control(msg);
        return;
      case 'report': {
        const { type: _type, ...report } = msg;
        this.report = report;
        return;
      }
      case 'subscribe':
        if (this.role !== 'controller') {
          this.sendError(ErrorCode.FORBIDDEN, 'the dashboard feed needs the control token', msg.id);
          return;
        }
        this.subscribed = true;
        this.ack(msg.id);
        return;
      case 'join': {
        const channel = this.opts.findChannel(msg.channel);
        if (!channel) {
          this.sendError(ErrorCode.UNKNOWN_CHANNEL, `no channel "${msg.channel}"`, msg.id);
          return;
        }
        this.leaveChannel();
        this.channel = channel;
        this.state = 'joined';
        // addViewer sends the current state, and the init + GOP cache when the channel is running.
        const added = channel.addViewer(this);
        // (test doubles may return nothing: only an explicit refusal counts)
        if (typeof added === 'object' && added !== null && !added.ok) {
          this.channel = null;
          this.state = 'ready';
          this.sendError(added.code, added.message, msg.id);
          return;
        }
        this.ack(msg.id);
        return;
      }
      case 'leave':
        if (!this.channel) {
          this.sendError(ErrorCode.NOT_JOINED, 'not viewing a channel', msg.id);
          return;
        }
        this.leaveChannel();
        this.state = 'ready';
        this.ack(msg.id);
        return;
      case 'ping': {
        const t1 = Date.now();
        this.send({ type: 'pong', t0: msg.t0, t1, t2: Date.now() });
        return;
      }
    }
  }

  /** play / pause / seek: who may, how often, then the channel's own verdict. */
  private control(msg: ControlMessage): void {
    const channel = msg.channel !== undefined ? this.opts.findChannel(msg.channel) : this.channel;
    if (!channel) {
      if (msg.channel !== undefined) this.sendError(ErrorCode.UNKNOWN_CHANNEL, `no channel "${msg.channel}"`, msg.id);
      else this.sendError(ErrorCode.NOT_JOINED, 'join a channel (or name one) before controlling it', msg.id);
      return;
    }
    if (this.role !== 'controller' && !channel.openControl) {
      this.sendError(ErrorCode.FORBIDDEN, 'controlling this channel needs the control token', msg.id);
      return;
    }
    // The command budget was charged when the gate admitted this message (onText).
    const decision = channel.command(msg.type === 'seek' ? { type: 'seek', position: msg.position } : { type: msg.type });
    if (!decision.ok) this.sendError(decision.code, decision.message, msg.id);
    else this.ack(msg.id);
  }

  private leaveChannel(): void {
    this.channel?.removeViewer(this);
    this.channel = null;
    this.epoch = -1;
    this.waitingForKey = false;
    this.lagging = false;
    this.overloadedSince = null;
  }

  // ---- ChannelViewer ---------------------------------------------------------------------------

  onInit(init: InitSegment, epoch: number): void {
    if (this.state !== 'joined' || !this.channel) return;
    const missing = this.codecs.length > 0 ? unplayableCodecs(init.codecs, this.codecs) : [];
    if (missing.length > 0) {
      // The viewer stays joined (it still gets state), but no media it cannot decode.
      this.epoch = -1;
      this.sendError(ErrorCode.UNSUPPORTED_CODEC, `this browser reported no support for ${missing.join(', ')} (channel needs ${init.mime})`);
      return;
    }
    this.epoch = epoch;
    // A timeline may open with fragments that hold no video keyframe (e.g. audio-only ones when the
    // source interleaves audio first): a viewer's first fragment is always a keyframe fragment.
    this.waitingForKey = true;
    this.send({ type: 'mse', channel: this.channel.id, mime: init.mime, epoch });
    this.sendBinary(init.data);
  }

  onFragment(fragment: Fragment, epoch: number): void {
    if (this.state !== 'joined' || epoch !== this.epoch) return;
    const now = Date.now();
    if (this.checkOverload(now)) return;
    if (this.waitingForKey) {
      if (!fragment.key) {
        if (this.lagging) this.drop();
        return;
      }
      this.waitingForKey = false;
      this.lagging = false;
    }
    if (this.backedUp()) {
      // Too far behind: drop until the next keyframe so what it gets stays decodable.
      this.waitingForKey = true;
      this.lagging = true;
      this.overloadedSince ??= now;
      this.drop();
      return;
    }
    this.sendFragment(fragment.data, now);
  }

  /**
   * Healthy again once the queue has drained to half the limit; overloaded for too long, or past
   * the hard cap, the viewer is closed (4001). Returns true when it closed the session.
   */
  private checkOverload(now: number): boolean {
    const buffered = this.opts.socket.bufferedAmount;
    if (this.overloadedSince !== null && buffered <= this.opts.maxBufferedBytes / 2) this.overloadedSince = null;
    const hardCap = this.opts.maxBufferedBytes * HARD_CAP_FACTOR + HARD_CAP_SLACK_BYTES;
    const limit = this.opts.overloadCloseMs ?? DEFAULTS.overloadCloseMs;
    if (buffered > hardCap || (this.overloadedSince !== null && now - this.overloadedSince > limit)) {
      this.opts.log.info('viewer cannot keep up: closing', { session: this.id, channel: this.channel?.id, buffered, skipped: this.skipped });
      this.close(CloseCode.SLOW_CONSUMER, 'viewer could not keep up');
      return true;
    }
    return false;
  }

  private drop(): void {
    this.skipped++;
    if (this.channel) {
      this.channel.countDrops?.(1);
      this.opts.metrics?.dropped(this.channel.id, 1);
    }
  }

  private backedUp(): boolean {
    return this.opts.socket.bufferedAmount > this.opts.maxBufferedBytes;
  }

  onError(error: PushcastError): void {
    if (this.state !== 'joined') return;
    this.sendError(error.code, error.message);
  }

  onState(info: ChannelInfo): void {
    if (this.state !== 'joined') return;
    const now = Date.now();
    const backedUp = this.backedUp();
    if (backedUp || now - this.lastStateAt < STATE_MIN_GAP_MS) {
      // Only the newest state matters: hold it until the gap has passed and the socket drained.
      this.pendingState = info;
      const wait = backedUp ? PENDING_STATE_RETRY_MS : STATE_MIN_GAP_MS - (now - this.lastStateAt);
      this.pendingTimer ??= setTimeout(() => this.flushPendingState(), wait);
      return;
    }
    this.pendingState = null;
    this.lastStateAt = now;
    this.send({ type: 'state', channel: info });
  }

  private flushPendingState(): void {
    this.pendingTimer = null;
    const info = this.pendingState;
    if (info === null || this.state !== 'joined') return;
    this.onState(info);
  }

  // ---- sending ---------------------------------------------------------------------------------

  private ack(id: CommandId | undefined): void {
    if (id !== undefined) this.send({ type: 'ack', id });
  }

  private sendError(code: ErrorCode, message: string, id?: CommandId): void {
    this.opts.log.debug('client error', { session: this.id, code, message });
    this.send({ type: 'error', code, message, ...(id !== undefined ? { id } : {}) });
  }

  /** Every text frame is masked on its way out: the last net for credentials (redact.ts). */
  private send(msg: ServerMessage): void {
    if (this.opts.socket.readyState !== this.opts.socket.OPEN) return;
    this.opts.socket.send(maskSecrets(JSON.stringify(msg)));
  }

  private sendBinary(data: Buffer): void {
    if (this.opts.socket.readyState !== this.opts.socket.OPEN) return;
    this.opts.socket.send(data, { binary: true });
  }

  /** A media fragment, timed from hand-over to the socket taking it (delivery delay metric). */
  private sendFragment(data: Buffer, handedAt: number): void {
    const { socket, metrics } = this.opts;
    if (socket.readyState !== socket.OPEN) return;
    const channelId = this.channel?.id;
    if (!metrics || channelId === undefined) {
      socket.send(data, { binary: true });
      return;
    }
    metrics.fragmentSent(channelId, data.length);
    socket.send(data, { binary: true }, (err) => {
      if (!err) metrics.deliveryDelay(channelId, (Date.now() - handedAt) / 1000);
    });
  }
}
