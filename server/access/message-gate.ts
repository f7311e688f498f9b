/**
 * Per-connection admission of client messages: every type has its own token bucket, and all of
 * them share one overall bucket (config messagesPerSecond / messageBurst). A message refused by
 * either is answered RATE_LIMITED and changes nothing. Without this, one client sending join/leave
 * pairs made every bystander of a channel receive a state message per pair (issue 9, amplification).
 *
 * A client that keeps hammering after being told is not a confused player but a flood: once it has
 * had `strikeLimit` refusals within `strikeWindowMs` the gate says `close` (the session closes with
 * 1008 POLICY_VIOLATION). Replies to refused messages are themselves bounded (`shouldReply`), so a
 * flood does not turn into a flood of error frames. Pure apart from the injected clock values.
 */
import { DEFAULTS } from '../runtime/config.js';
import type { ClientMessageType } from '../core/protocol.js';
import { RateLimiter } from './rate-limit.js';

export interface Budget {
  burst: number;
  perSecond: number;
}

/**
 * Budgets per message type, per connection. A player sends hello once per connection, join/leave
 * on a channel switch, ping a few times a second while it learns the clock, a report about once a
 * second; commands come from people clicking. Each budget leaves room for that with margin.
 */
type CommandType = 'play' | 'pause' | 'seek';
type BudgetedType = Exclude<ClientMessageType, CommandType>;

export const TYPE_BUDGETS: Readonly<Record<BudgetedType, Budget>> = {
  hello: { burst: 5, perSecond: 1 },
  join: { burst: 10, perSecond: 2 },
  leave: { burst: 10, perSecond: 2 },
  ping: { burst: 20, perSecond: 10 },
  report: { burst: 5, perSecond: 2 },
  subscribe: { burst: 5, perSecond: 1 },
  // People typing: 3 at once, then one a second. Each one fans out to every viewer of the channel.
  comment: { burst: 3, perSecond: 1 },
  'delete-comment': { burst: 10, perSecond: 2 },
  // play / pause / seek share GateOptions.commands (session.ts passes COMMAND_BURST / COMMANDS_PER_SECOND).
};

export interface GateOptions {
  /** Overall bucket over every message, valid or not. */
  overall: Budget;
  /** The shared play/pause/seek bucket. */
  commands: Budget;
  /** Refusals within strikeWindowMs after which the connection is closed. */
  strikeLimit: number;
  strikeWindowMs: number;
  /** At most this many RATE_LIMITED replies per second; refusals beyond are silent. */
  repliesPerSecond: number;
  /**
   * Multiplies every per-type budget and the reply budget: an operator who raises the overall
   * limit (config messagesPerSecond above its default) means all of them. 1 by default.
   */
  scale?: number;
}

/** The overall rate the per-type budgets are sized against: config.ts's default messagesPerSecond. */
export const BASE_MESSAGES_PER_SECOND = DEFAULTS.messagesPerSecond;

/** The per-type scale for a configured overall rate: never below 1 (budgets only grow). */
export function budgetScale(messagesPerSecond: number): number {
  return Math.max(1, messagesPerSecond / BASE_MESSAGES_PER_SECOND);
}

export const DEFAULT_GATE: Readonly<Omit<GateOptions, 'overall' | 'commands'>> = {
  strikeLimit: 200,
  strikeWindowMs: 10_000,
  repliesPerSecond: 10,
};

export type Admission = 'ok' | 'limited' | 'close';

type Bucketed = ClientMessageType | 'invalid';

export class MessageGate {
  private readonly overall: RateLimiter;
  private readonly perType = new Map<Bucketed, RateLimiter>();
  private readonly replies: RateLimiter;
  /** play / pause / seek and token attempts in `hello` (chargeCommand) share this bucket. */
  private readonly commands: RateLimiter;
  private strikes: number[] = [];

  constructor(private readonly opts: GateOptions, now: number) {
    this.overall = new RateLimiter(opts.overall.burst, opts.overall.perSecond, now);
    const scale = opts.scale ?? 1;
    this.replies = new RateLimiter(opts.repliesPerSecond * scale, opts.repliesPerSecond * scale, now);
    this.commands = new RateLimiter(opts.commands.burst, opts.commands.perSecond, now);
    for (const t of ['play', 'pause', 'seek'] as const) this.perType.set(t, this.commands);
  }

  /**
   * Admits one message of `type` ('invalid' for frames that failed validation: they only count
   * against the overall bucket). `close` means the connection should be closed (1008).
   */
  admit(type: Bucketed, now: number): Admission {
    const typeOk = type === 'invalid' ? true : this.bucket(type, now).take(now);
    // The overall bucket is charged even when the type bucket refused: a flood of one type must
    // not leave the overall budget untouched.
    const overallOk = this.overall.take(now);
    if (typeOk && overallOk) return 'ok';
    return this.strike(now);
  }

  /** Records a refusal decided elsewhere (e.g. a binary frame) and says whether to close. */
  strike(now: number): Admission {
    this.strikes.push(now);
    while (this.strikes.length > 0 && (this.strikes[0] as number) <= now - this.opts.strikeWindowMs) this.strikes.shift();
    return this.strikes.length >= this.opts.strikeLimit ? 'close' : 'limited';
  }

  /**
   * Charges one unit of the command budget for something that is not a command message: a
   * control-token attempt in `hello`, so tokens cannot be guessed faster than commands are sent.
   */
  chargeCommand(now: number): boolean {
    return this.commands.take(now);
  }

  /** Whether a refusal may still be answered (bounded error replies). */
  shouldReply(now: number): boolean {
    return this.replies.take(now);
  }

  private bucket(type: ClientMessageType, now: number): RateLimiter {
    let b = this.perType.get(type);
    if (!b) {
      // play / pause / seek were given the shared command bucket in the constructor.
      const { burst, perSecond } = TYPE_BUDGETS[type as BudgetedType];
      const scale = this.opts.scale ?? 1;
      b = new RateLimiter(burst * scale, perSecond * scale, now);
      this.perType.set(type, b);
    }
    return b;
  }
}
