/**
 * Wrong control tokens per client address, over every door that takes one (WebSocket `hello`,
 * HTTP commands, comment deletion, runtime channels, uploads). Per-connection budgets alone let a
 * guesser churn connections: 26 000 guesses in 6 s found an 8-character token. Here each address
 * may be wrong `burst` times, then about once every 1/perSecond s; while it is over, every token it
 * presents is refused unchecked, so a right guess cannot be confirmed either. Pure apart from the
 * clock values passed in and the constant-time comparison.
 */
import { tokenMatches } from './auth.js';
import { ClientLimiter } from './client-limiter.js';
import type { Budget } from './message-gate.js';

/** Wrong tokens an address may present at once, then per second. */
export const WRONG_TOKEN_BUDGET: Readonly<Budget> = { burst: 20, perSecond: 0.5 };

/** none: no token; controller: the right one; wrong: another (charged); limited: refused unchecked. */
export type TokenVerdict = 'none' | 'controller' | 'wrong' | 'limited';

export class TokenGuard {
  private readonly failures: ClientLimiter;

  constructor(private readonly controlToken: string, budget: Budget = WRONG_TOKEN_BUDGET) {
    this.failures = new ClientLimiter(budget);
  }

  check(client: string, token: string | null | undefined, now: number): TokenVerdict {
    if (token === null || token === undefined || token === '') return 'none';
    if (!this.failures.available(client, now)) return 'limited';
    if (tokenMatches(token, this.controlToken)) return 'controller';
    this.failures.take(client, now);
    return 'wrong';
  }
}
