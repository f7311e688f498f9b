import { describe, expect, it } from 'vitest';
import { MessageGate, TYPE_BUDGETS, budgetScale } from '../../../server/access/message-gate.js';

const gate = (over: Partial<ConstructorParameters<typeof MessageGate>[0]> = {}) => new MessageGate({
  overall: { burst: 40, perSecond: 20 },
  commands: { burst: 20, perSecond: 10 },
  strikeLimit: 50,
  strikeWindowMs: 10_000,
  repliesPerSecond: 10,
  ...over,
}, 0);

function admitMany(g: MessageGate, type: Parameters<MessageGate['admit']>[0], n: number, now = 0) {
  const out = { ok: 0, limited: 0, close: 0 };
  for (let i = 0; i < n; i++) out[g.admit(type, now)]++;
  return out;
}

describe('MessageGate', () => {
  it.each([
    ['join', TYPE_BUDGETS.join.burst],
    ['leave', TYPE_BUDGETS.leave.burst],
    ['hello', TYPE_BUDGETS.hello.burst],
    ['ping', TYPE_BUDGETS.ping.burst],
    ['report', TYPE_BUDGETS.report.burst],
    ['subscribe', TYPE_BUDGETS.subscribe.burst],
    ['comment', TYPE_BUDGETS.comment.burst],
    ['delete-comment', TYPE_BUDGETS['delete-comment'].burst],
  ] as const)('admits a burst of %s, then refuses', (type, burst) => {
    const g = gate();
    expect(admitMany(g, type, burst).ok).toBe(burst);
    expect(g.admit(type, 0)).toBe('limited');
  });

  it('play, pause and seek share one command budget', () => {
    const g = gate();
    expect(admitMany(g, 'play', 10).ok).toBe(10);
    expect(admitMany(g, 'pause', 10).ok).toBe(10);
    expect(g.admit('seek', 0)).toBe('limited');
  });

  it('refills at the per-type rate', () => {
    const g = gate();
    admitMany(g, 'join', TYPE_BUDGETS.join.burst);
    expect(g.admit('join', 0)).toBe('limited');
    expect(g.admit('join', 1000)).toBe('ok'); // 2 per second
    expect(g.admit('join', 1000)).toBe('ok');
    expect(g.admit('join', 1000)).toBe('limited');
  });

  it('the overall budget caps a mix of types, invalid frames included', () => {
    const g = gate({ overall: { burst: 12, perSecond: 1 } });
    const a = admitMany(g, 'invalid', 6);
    const b = admitMany(g, 'ping', 6);
    expect(a.ok + b.ok).toBe(12);
    expect(g.admit('report', 0)).toBe('limited');
  });

  it('says close after strikeLimit refusals within the window, not before', () => {
    const g = gate({ strikeLimit: 5 });
    admitMany(g, 'subscribe', TYPE_BUDGETS.subscribe.burst);
    expect(admitMany(g, 'subscribe', 4)).toEqual({ ok: 0, limited: 4, close: 0 });
    expect(g.admit('subscribe', 0)).toBe('close');
  });

  it('forgets strikes older than the window', () => {
    const g = gate({ strikeLimit: 3, strikeWindowMs: 1000 });
    g.strike(0);
    g.strike(0);
    expect(g.strike(1500)).toBe('limited');
  });

  it('bounds the replies to refusals', () => {
    const g = gate({ repliesPerSecond: 3 });
    expect([g.shouldReply(0), g.shouldReply(0), g.shouldReply(0), g.shouldReply(0)]).toEqual([true, true, true, false]);
    expect(g.shouldReply(1000)).toBe(true);
  });
});

describe('budgetScale', () => {
  it.each([[20, 1], [10, 1], [40, 2], [100_000, 5000]])('messagesPerSecond %d → ×%d', (rate, scale) => {
    expect(budgetScale(rate)).toBe(scale);
  });

  it('a scaled gate admits that many more of one type', () => {
    const g = gate({ scale: 3, overall: { burst: 1000, perSecond: 1000 } });
    expect(admitMany(g, 'hello', TYPE_BUDGETS.hello.burst * 3).ok).toBe(TYPE_BUDGETS.hello.burst * 3);
    expect(g.admit('hello', 0)).toBe('limited');
  });
});
