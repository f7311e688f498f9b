import { describe, expect, it } from 'vitest';
import { ClientLimiter } from '../../../server/access/client-limiter.js';

describe('ClientLimiter', () => {
  it('gives each client its own burst, then its rate', () => {
    const l = new ClientLimiter({ burst: 3, perSecond: 1 });
    expect([1, 2, 3, 4].map(() => l.take('a', 0))).toEqual([true, true, true, false]);
    expect(l.take('b', 0)).toBe(true);
    expect(l.take('a', 999)).toBe(false);
    expect(l.take('a', 1000)).toBe(true);
  });

  it('forgets the least recently seen client beyond its bound', () => {
    const l = new ClientLimiter({ burst: 1, perSecond: 1 }, 2);
    expect(l.take('a', 0)).toBe(true);
    expect(l.take('b', 0)).toBe(true);
    expect(l.take('a', 0)).toBe(false); // a seen again: b is now the oldest
    expect(l.take('c', 0)).toBe(true); // b forgotten
    expect(l.size).toBe(2);
    expect(l.take('a', 0)).toBe(false); // a kept its empty bucket
    expect(l.take('b', 0)).toBe(true); // b starts over
  });
});
