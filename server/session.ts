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
 * so what it receives stays decodable; its player jumps the gap.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Channel, ChannelViewer } from './channel.js';
import { roleFor, type Role } from './control/auth.js';
import { RateLimiter } from './control/rate-limit.js';
import { ErrorCode, type PushcastError } from './errors.js';
import type { Fragment, InitSegment } from './fragmenter.js';
import type { Logger } from './log.js';
import {
  PROTOCOL_VERSION,
  parseClientMessage,
  unplayableCodecs,
  type ChannelInfo,
  type ClientMessage,
  type CommandId,
  type ControlMessage,
  type ServerMessage,
  type ViewerReport,
} from './protocol.js';

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
  log: Logger;
}

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
  private readonly limiter: RateLimiter;
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

  constructor(private readonly opts: SessionOptions) {
    this.limiter = new RateLimiter(opts.commandBurst, opts.commandsPerSecond, Date.now());
  }

  /** What the dashboard shows for this connection. */
  describe(): ViewerReport {
    return { sessionId: this.id, channel: this.channel?.id ?? null, role: this.role, connectedAt: this.connectedAt, report: this.report, drops: this.skipped };
  }

  /** Sends a message if the socket is open (used by the server for `overview`). */
  push(msg: ServerMessage): void {
    this.send(msg);
  }

  start(): void {
    const { socket } = this.opts;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.sendError(ErrorCode.BAD_MESSAGE, 'binary frames from clients are not accepted');
        return;
      }
      this.onText(String(data));
    });
    socket.on('close', () => this.stop());
    socket.on('error', (err) => this.opts.log.debug('socket error', { error: err.message }));
    this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, server: this.opts.serverName, time: Date.now() });
  }

  /** → closed: leaves the channel; safe to call more than once. */
  stop(): void {
    if (this.state === 'closed') return;
    this.leaveChannel();
    this.state = 'closed';
    if (this.skipped > 0) this.opts.log.info('viewer skipped fragments', { skipped: this.skipped });
  }

  private onText(raw: string): void {
    if (this.state === 'closed') return;
    const parsed = parseClientMessage(raw);
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
        if (msg.token !== undefined && !this.limiter.take(Date.now())) {
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
        this.ack(msg.id);
        // addViewer sends the current state, and the init + GOP cache when the channel is running.
        channel.addViewer(this);
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
    if (!this.limiter.take(Date.now())) {
      this.sendError(ErrorCode.RATE_LIMITED, `more than ${this.opts.commandsPerSecond} commands per second`, msg.id);
      return;
    }
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
    if (this.waitingForKey) {
      if (!fragment.key) {
        if (this.lagging) this.skipped++;
        return;
      }
      this.waitingForKey = false;
      this.lagging = false;
    }
    if (this.opts.socket.bufferedAmount > this.opts.maxBufferedBytes) {
      // Too far behind: drop until the next keyframe so what it gets stays decodable.
      this.waitingForKey = true;
      this.lagging = true;
      this.skipped++;
      return;
    }
    this.sendBinary(fragment.data);
  }

  onError(error: PushcastError): void {
    if (this.state !== 'joined') return;
    this.sendError(error.code, error.message);
  }

  onState(info: ChannelInfo): void {
    if (this.state !== 'joined') return;
    this.send({ type: 'state', channel: info });
  }

  // ---- sending ---------------------------------------------------------------------------------

  private ack(id: CommandId | undefined): void {
    if (id !== undefined) this.send({ type: 'ack', id });
  }

  private sendError(code: ErrorCode, message: string, id?: CommandId): void {
    this.opts.log.debug('client error', { code, message });
    this.send({ type: 'error', code, message, ...(id !== undefined ? { id } : {}) });
  }

  private send(msg: ServerMessage): void {
    if (this.opts.socket.readyState !== this.opts.socket.OPEN) return;
    this.opts.socket.send(JSON.stringify(msg));
  }

  private sendBinary(data: Buffer): void {
    if (this.opts.socket.readyState !== this.opts.socket.OPEN) return;
    this.opts.socket.send(data, { binary: true });
  }
}
