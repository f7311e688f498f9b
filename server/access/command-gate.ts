/**
 * The one gate every play / pause / seek passes, over the WebSocket (ws/session.ts) and over HTTP
 * (api/commands.ts): who may command a channel (a controller, or anyone when the channel has open
 * control), how often (the command budget: the same burst and rate as the message gate's command
 * bucket), and what the channel is asked to do (message → command). The channel's own verdict
 * (BAD_SEEK, NOT_SEEKABLE) comes after, from the channel.
 *
 * Pure apart from the injected clock values and the constant-time token comparison.
 */
import { ErrorCode } from '../core/errors.js';
import type { ControlMessage } from '../core/protocol.js';
import { bearerToken, roleFor, tokenMatches, type Role } from './auth.js';
import type { Budget } from './message-gate.js';
import { ClientLimiter } from './client-limiter.js';
import type { TokenGuard } from './token-guard.js';

/** Control commands a client may send at once, then per second (RATE_LIMITED beyond). */
export const COMMAND_BUDGET: Readonly<Budget> = { burst: 20, perSecond: 10 };

/** What the gate reads of a channel. */
export interface Controllable {
  readonly openControl: boolean;
}

/** What a channel is asked to do (structurally the channel's ControlCommand). */
export type Command = { type: 'play' } | { type: 'pause' } | { type: 'seek'; position: number };

export interface Refusal {
  /** The HTTP status (the WebSocket sends only code and message). */
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Readonly<Record<string, string>>;
}

/** message → command: the envelope (`id`, `channel`) stays behind. */
export function toCommand(msg: ControlMessage): Command {
  return msg.type === 'seek' ? { type: 'seek', position: msg.position } : { type: msg.type };
}

export interface CommandGateOptions {
  /** The token that makes a client a controller (compared in constant time, never logged). */
  controlToken: string;
  /** The command budget per HTTP client; COMMAND_BUDGET by default. */
  budget?: Budget;
  /** Wrong tokens per client address over every door (token-guard.ts); without it only the command budget slows guessing. */
  guard?: TokenGuard;
}

export class CommandGate {
  private readonly budget: Budget;
  /** The command budget per HTTP client, in bounded memory (the least recently seen is forgotten). */
  private readonly perClient: ClientLimiter;

  constructor(private readonly opts: CommandGateOptions) {
    this.budget = opts.budget ?? COMMAND_BUDGET;
    this.perClient = new ClientLimiter(this.budget);
  }

  /** The role a `hello` token earns; `limited` when `client` has presented too many wrong ones. */
  helloRole(client: string, token: string | null | undefined, now: number): { role: Role; limited: boolean } {
    if (!this.opts.guard) return { role: roleFor(token, this.opts.controlToken), limited: false };
    const verdict = this.opts.guard.check(client, token, now);
    return { role: verdict === 'controller' ? 'controller' : 'viewer', limited: verdict === 'limited' };
  }

  /**
   * WebSocket: a session's command budget was charged when its message gate admitted the message,
   * so only the role is checked here.
   */
  admitSession(role: Role, channel: Controllable): Refusal | null {
    if (role === 'controller' || channel.openControl) return null;
    return { status: 403, code: ErrorCode.FORBIDDEN, message: 'controlling this channel needs the control token' };
  }

  /**
   * HTTP: charges `client`'s command budget first, so wrong tokens are charged too (no guessing
   * faster than commanding), then wants the bearer token unless the channel has open control.
   */
  admitRequest(client: string, authorization: string | undefined, channel: Controllable, now: number): Refusal | null {
    if (!this.perClient.take(client, now)) {
      return { status: 429, code: ErrorCode.RATE_LIMITED, message: `more than ${this.budget.perSecond} commands per second`, headers: { 'Retry-After': '1' } };
    }
    if (channel.openControl) return null;
    const token = bearerToken(authorization);
    if (token === null) {
      return {
        status: 401, code: ErrorCode.FORBIDDEN, message: 'send the control token as "Authorization: Bearer <token>"',
        headers: { 'WWW-Authenticate': 'Bearer realm="pushcast"' },
      };
    }
    return this.checkBearer(client, token, now);
  }

  /** The bearer token of a request that must come from a controller: null when it is right. */
  checkBearer(client: string, token: string, now: number): Refusal | null {
    const verdict = this.opts.guard ? this.opts.guard.check(client, token, now) : tokenMatches(token, this.opts.controlToken) ? 'controller' : 'wrong';
    if (verdict === 'controller') return null;
    if (verdict === 'limited') return { status: 429, code: ErrorCode.RATE_LIMITED, message: 'too many wrong control tokens from this address', headers: { 'Retry-After': '2' } };
    return { status: 403, code: ErrorCode.FORBIDDEN, message: 'wrong control token' };
  }
}
