/**
 * A Session owns one viewer's WebSocket: it validates what the client sends, joins it to a channel,
 * and forwards the channel's timeline to it (text `mse`, then the init segment and fragments as
 * binary frames).
 *
 * States:  greeting (socket open, no hello yet) → ready (hello received) → joined (viewing a channel)
 *          any → closed (socket gone; the channel forgets it)
 *
 * Backpressure: which fragments a slow viewer skips is FragmentFlow's (fragment-flow.ts); one that
 * stays overloaded is closed with 4001 SLOW_CONSUMER. JSON is bounded too: while the socket is
 * backed up, `state` messages collapse to the newest one (sent once it drains) and dashboard
 * overviews are dropped.
 *
 * Abuse: every message passes a MessageGate (access/message-gate.ts): per-type and overall rate
 * limits answered RATE_LIMITED; a client that keeps flooding is closed with 1008. Commands then pass
 * the CommandGate (access/command-gate.ts), shared with the HTTP command route. Every text frame
 * that leaves goes through maskSecrets (redact.ts): a source's password never reaches a viewer.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelViewer } from '../channel/channel.js';
import type { Role } from '../access/auth.js';
import { COMMAND_BUDGET, CommandGate, toCommand } from '../access/command-gate.js';
import { DEFAULTS } from '../runtime/config.js';
import { DEFAULT_GATE, MessageGate, budgetScale } from '../access/message-gate.js';
import { parseClientMessage } from '../core/protocol-validate.js';
import { FragmentFlow } from './fragment-flow.js';
import { StateThrottle } from './state-throttle.js';
import { handleCommentMessage } from './comment-handler.js';
import type { SessionOptions } from './session-options.js';
import { ErrorCode, type PushcastError } from '../core/errors.js';
import type { Fragment, InitSegment } from '../ffmpeg/fragmenter.js';
import { maskSecrets } from '../runtime/redact.js';
import {
  CloseCode,
  PROTOCOL_VERSION,
  unplayableCodecs,
  type ChannelInfo,
  type ClientMessage,
  type CommandId,
  type ControlMessage,
  type ServerMessage,
  type ViewerReport,
} from '../core/protocol.js';

export type { SessionMetrics, SessionOptions } from './session-options.js';

/** A closing socket that has not finished its close handshake by then is destroyed, ms. */
const CLOSE_GRACE_MS = 1_000;
export { STATE_MIN_GAP_MS } from './state-throttle.js';

/** Control commands a session may send at once, then per second (the command gate's budget). */
export const COMMAND_BURST = COMMAND_BUDGET.burst;
export const COMMANDS_PER_SECOND = COMMAND_BUDGET.perSecond;

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
  /** Who may command (and the role a token earns); the budget is the message gate's. */
  private readonly commands: CommandGate;
  private readonly flow: FragmentFlow;
  private channel: Channel | null = null;
  private codecs: string[] = [];
  /** `state` messages, throttled (state-throttle.ts). */
  private readonly states = new StateThrottle<ChannelInfo>(
    (info) => this.send({ type: 'state', channel: info }),
    () => this.backedUp(),
    () => this.state === 'joined',
  );
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SessionOptions) {
    const now = Date.now();
    this.gate = new MessageGate({
      ...DEFAULT_GATE,
      overall: { burst: opts.messageBurst ?? DEFAULTS.messageBurst, perSecond: opts.messagesPerSecond ?? DEFAULTS.messagesPerSecond },
      commands: { burst: opts.commandBurst, perSecond: opts.commandsPerSecond },
      scale: budgetScale(opts.messagesPerSecond ?? DEFAULTS.messagesPerSecond),
    }, now);
    this.commands = new CommandGate({ controlToken: opts.controlToken, ...(opts.tokenGuard ? { guard: opts.tokenGuard } : {}) });
    this.flow = new FragmentFlow(opts.maxBufferedBytes, opts.overloadCloseMs ?? DEFAULTS.overloadCloseMs);
  }

  /** What the dashboard shows for this connection. */
  describe(): ViewerReport {
    return { sessionId: this.id, channel: this.channel?.id ?? null, role: this.role, connectedAt: this.connectedAt, report: this.report, drops: this.flow.skipped };
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
    this.states.stop();
    if (this.flow.skipped > 0) this.opts.log.info('viewer skipped fragments', { session: this.id, skipped: this.flow.skipped });
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
        const { role, limited } = this.commands.helloRole(this.opts.client ?? 'unknown', msg.token, Date.now());
        if (limited) {
          this.sendError(ErrorCode.RATE_LIMITED, 'too many wrong control tokens from this address', msg.id);
          return;
        }
        this.codecs = msg.codecs;
        this.role = role;
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
      case 'comment':
      case 'delete-comment': { // comment-handler.ts: who may, then the comment service
        const reply = handleCommentMessage(this.opts.comments, msg, { channel: this.channel?.id ?? null, role: this.role, ...(this.opts.client ? { client: this.opts.client } : {}) });
        if (reply.ok) this.ack(msg.id); else this.sendError(reply.code, reply.message, msg.id);
        return;
      }
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
    // The command budget was charged when the message gate admitted this message (onText).
    const refusal = this.commands.admitSession(this.role, channel);
    if (refusal) {
      this.sendError(refusal.code, refusal.message, msg.id);
      return;
    }
    const decision = channel.command(toCommand(msg));
    if (!decision.ok) this.sendError(decision.code, decision.message, msg.id);
    else this.ack(msg.id);
  }

  private leaveChannel(): void {
    this.channel?.removeViewer(this);
    this.channel = null;
    this.flow.reset();
  }

  // ---- ChannelViewer ---------------------------------------------------------------------------

  onInit(init: InitSegment, epoch: number): void {
    if (this.state !== 'joined' || !this.channel) return;
    const missing = this.codecs.length > 0 ? unplayableCodecs(init.codecs, this.codecs) : [];
    if (missing.length > 0) {
      // The viewer stays joined (it still gets state), but no media it cannot decode.
      this.flow.reset();
      this.sendError(ErrorCode.UNSUPPORTED_CODEC, `this browser reported no support for ${missing.join(', ')} (channel needs ${init.mime})`);
      return;
    }
    this.flow.begin(epoch);
    this.send({ type: 'mse', channel: this.channel.id, mime: init.mime, epoch });
    this.sendBinary(init.data);
  }

  onFragment(fragment: Fragment, epoch: number): void {
    if (this.state !== 'joined' || epoch !== this.flow.epoch) return;
    const now = Date.now();
    const buffered = this.opts.socket.bufferedAmount;
    if (this.flow.overloaded(buffered, now)) {
      this.opts.log.info('viewer cannot keep up: closing', { session: this.id, channel: this.channel?.id, buffered, skipped: this.flow.skipped });
      this.close(CloseCode.SLOW_CONSUMER, 'viewer could not keep up');
      return;
    }
    const verdict = this.flow.next(fragment.key, epoch, buffered, now);
    if (verdict === 'send') this.sendFragment(fragment.data, now);
    else if (verdict === 'drop' && this.channel) {
      this.channel.countDrops?.(1);
      this.opts.metrics?.dropped(this.channel.id, 1);
    }
  }

  private backedUp(): boolean {
    return this.flow.backedUp(this.opts.socket.bufferedAmount);
  }

  onError(error: PushcastError): void {
    if (this.state !== 'joined') return;
    this.sendError(error.code, error.message);
    if (error.code === ErrorCode.CHANNEL_DELETED) { this.leaveChannel(); this.state = 'ready'; } // joined → ready: nothing to watch
  }

  /** At most one state per STATE_MIN_GAP_MS, the newest held while the socket is backed up. */
  onState(info: ChannelInfo): void {
    this.states.offer(info);
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
