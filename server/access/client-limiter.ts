/**
 * One token bucket (rate-limit.ts) per client key, e.g. per IP address for an HTTP route, in a
 * bounded map: beyond `maxClients` the least recently seen client is forgotten (it starts again
 * with a full bucket, which an attacker with that many addresses has anyway). Pure apart from the
 * clock values passed in.
 */
import type { Budget } from './message-gate.js';
import { RateLimiter } from './rate-limit.js';

/** Clients remembered by default. */
const MAX_CLIENTS = 1024;

export class ClientLimiter {
  private readonly buckets = new Map<string, RateLimiter>();

  constructor(private readonly budget: Budget, private readonly maxClients = MAX_CLIENTS) {
    if (!(maxClients >= 1)) throw new TypeError('ClientLimiter: maxClients must be ≥ 1');
  }

  /** Takes one token of `client`'s budget; false when it is over its rate. */
  take(client: string, now: number): boolean {
    let bucket = this.buckets.get(client);
    if (bucket) {
      // Re-inserted: Map keeps insertion order, so the first key is always the least recently seen.
      this.buckets.delete(client);
    } else {
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = new RateLimiter(this.budget.burst, this.budget.perSecond, now);
    }
    this.buckets.set(client, bucket);
    return bucket.take(now);
  }

  /** Whether `client` could take a token now (a client never seen could). Takes nothing. */
  available(client: string, now: number): boolean {
    return this.buckets.get(client)?.available(now) ?? true;
  }

  get size(): number {
    return this.buckets.size;
  }
}
