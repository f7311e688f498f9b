import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientMessage } from '../../server/core/protocol.js';
import { CommandTracker } from '../../web/src/player/commands.js';

describe('CommandTracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const sink = (): { sent: ClientMessage[]; send: (m: ClientMessage) => boolean } => {
    const sent: ClientMessage[] = [];
    return { sent, send: (m) => (sent.push(m), true) };
  };

  it('gives each command its own id and settles it with the matching ack', async () => {
    const t = new CommandTracker(1000);
    const { sent, send } = sink();
    const a = t.send({ type: 'pause' }, send);
    const b = t.send({ type: 'seek', position: 12 }, send);
    expect(sent).toEqual([{ type: 'pause', id: 'c1' }, { type: 'seek', position: 12, id: 'c2' }]);
    expect(t.settle({ type: 'ack', id: 'c2' })).toBe(true);
    expect(t.settle({ type: 'error', id: 'c1', code: 'FORBIDDEN', message: 'needs the token' })).toBe(true);
    await expect(b).resolves.toEqual({ type: 'ack', id: 'c2' });
    await expect(a).resolves.toEqual({ type: 'error', id: 'c1', code: 'FORBIDDEN', message: 'needs the token' });
    expect(t.size).toBe(0);
  });

  it('ignores answers that are not for a pending command', () => {
    const t = new CommandTracker(1000);
    expect(t.settle({ type: 'ack', id: 'c9' })).toBe(false);
    expect(t.settle({ type: 'error', code: 'UNKNOWN_CHANNEL', message: 'no channel' })).toBe(false);
  });

  it('answers NOT_CONNECTED when the message could not be sent', async () => {
    const t = new CommandTracker(1000);
    await expect(t.send({ type: 'play' }, () => false)).resolves.toMatchObject({ type: 'error', code: 'NOT_CONNECTED' });
    expect(t.size).toBe(0);
  });

  it('answers COMMAND_TIMEOUT when nothing comes back in time, and ignores a late ack', async () => {
    const t = new CommandTracker(500);
    const p = t.send({ type: 'play' }, sink().send);
    vi.advanceTimersByTime(499);
    expect(t.size).toBe(1);
    vi.advanceTimersByTime(1);
    await expect(p).resolves.toMatchObject({ type: 'error', id: 'c1', code: 'COMMAND_TIMEOUT' });
    expect(t.settle({ type: 'ack', id: 'c1' })).toBe(false);
  });

  it('fails everything pending on cancelAll (socket closed)', async () => {
    const t = new CommandTracker(500, 'd');
    const { send } = sink();
    const all = Promise.all([t.send({ type: 'play', channel: 'a' }, send), t.send({ type: 'subscribe' }, send)]);
    t.cancelAll('closed');
    await expect(all).resolves.toEqual([
      { type: 'error', id: 'd1', code: 'NOT_CONNECTED', message: 'closed' },
      { type: 'error', id: 'd2', code: 'NOT_CONNECTED', message: 'closed' },
    ]);
  });

  it('rejects a non-positive timeout', () => {
    expect(() => new CommandTracker(0)).toThrow(TypeError);
  });
});
