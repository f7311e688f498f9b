/**
 * When to try the WebSocket again: exponential backoff with full jitter, and what a close code
 * says about how soon. Pure: the caller passes the random source, so tests are exact.
 *
 * Full jitter (the delay is drawn uniformly below the exponential ceiling, not around it) spreads
 * the viewers of a restarted server over the whole window instead of bringing them all back in
 * the same millisecond: N viewers arrive at about N / ceiling per ms, not all at once.
 */
import { CloseCode } from '../../../server/core/protocol.js';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay, ms; each later retry doubles it (× factor). */
  minDelayMs: number;
  /** Upper bound of every ceiling, ms (Connection). */
  maxDelayMs: number;
  /** Growth of the ceiling per retry. */
  factor: number;
  /** No retry comes sooner than this, ms: a flapping socket cannot spin the CPU (Connection). */
  floorMs: number;
  /**
   * A socket that delivered messages and stayed open at least this long, ms, starts the backoff
   * over (Connection). One the server accepts and then closes at once (a refusal after `welcome`)
   * keeps growing it instead of retrying every half second.
   */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, floorMs: 100, resetAfterMs: 5000 };

/** Throws a TypeError for options no backoff can follow (Connection, resolvePlayerConfig). */
export function checkBackoffOptions(o: BackoffOptions): void {
  if (!(o.minDelayMs > 0) || !(o.maxDelayMs >= o.minDelayMs) || !(o.factor >= 1) || !(o.floorMs >= 0) || !(o.floorMs <= o.minDelayMs)) {
    throw new TypeError('backoff: need 0 ≤ floorMs ≤ minDelayMs ≤ maxDelayMs and factor ≥ 1');
  }
  if (!(o.resetAfterMs >= 0)) throw new TypeError('backoff: need resetAfterMs ≥ 0');
}

/**
 * The number of the retry that follows a closed socket: 1 after a socket that worked (delivered a
 * message and stayed open ≥ resetAfterMs), else one more than the previous retry.
 * `openForMs` is null for a socket that never opened.
 */
export function nextRetryNumber(previous: number, delivered: boolean, openForMs: number | null, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const worked = delivered && openForMs !== null && openForMs >= options.resetAfterMs;
  return worked ? 1 : previous + 1;
}

/** The ceiling for retry number `attempt` (1 = the first): min · factor^(attempt−1), capped at max. 0 for attempt ≤ 0. */
export function backoffCeilingMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  if (attempt <= 0) return 0;
  // factor ** 1000 is Infinity, and Math.min(max, Infinity) is max: no overflow to worry about.
  return Math.min(options.maxDelayMs, options.minDelayMs * options.factor ** (attempt - 1));
}

/**
 * How a close code changes the retry (RFC 6455 §7.4, server/protocol.ts CloseCode):
 *  - 'normal': the network dropped (1006), the server went away or restarts (1001), the server
 *    closed a slow viewer (4001), or we closed a silent socket: back off from the start.
 *  - 'penalty': the server says this client broke the rules (1008 policy violation, 1009 message
 *    too big). That is a client bug the next socket will repeat, so it still reconnects (the page
 *    should not die) but at the slow end of the backoff, never in a storm.
 */
export type ClosePolicy = 'normal' | 'penalty';

export function closePolicy(code: number): ClosePolicy {
  return code === CloseCode.POLICY_VIOLATION || code === CloseCode.MESSAGE_TOO_BIG ? 'penalty' : 'normal';
}

/**
 * The delay before retry number `attempt` after a socket closed with `closeCode`, ms.
 * normal: uniform in [floor, ceiling(attempt)]; penalty: uniform in [max / 2, max].
 * `random` returns a number in [0, 1), like Math.random.
 */
export function reconnectDelayMs(attempt: number, closeCode: number, random: () => number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  if (closePolicy(closeCode) === 'penalty') {
    const low = options.maxDelayMs / 2;
    return Math.round(low + clamp01(random()) * (options.maxDelayMs - low));
  }
  const ceiling = Math.max(options.floorMs, backoffCeilingMs(Math.max(1, attempt), options));
  return Math.round(options.floorMs + clamp01(random()) * (ceiling - options.floorMs));
}

/** A bad random source (NaN, 1.5) must not produce a negative or huge delay. */
function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
