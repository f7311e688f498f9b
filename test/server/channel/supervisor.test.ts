/** The supervisor shell on fake timers: retry timer, slot release, wake on a freed slot. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FfmpegSlots } from '../../../server/ffmpeg/slots.js';
import { Supervisor } from '../../../server/channel/supervisor.js';

const policy = { restartMinMs: 1000, restartMaxMs: 8000, maxStartAttempts: 3, errorRetryMs: 60_000 };

function harness(slots?: FfmpegSlots) {
  const launches: string[] = [];
  let changes = 0;
  let wanted = true;
  const sup = new Supervisor(policy, {
    wanted: () => wanted,
    changed: () => { changes++; },
    launch: (reason) => { launches.push(reason); },
  }, slots);
  return { sup, launches, changes: () => changes, setWanted: (w: boolean) => { wanted = w; } };
}

describe('Supervisor', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('arms the backoff on a failure and launches a retry when it is due', () => {
    const h = harness();
    h.sup.dispatch({ type: 'start' });
    expect(h.launches).toEqual(['start']);
    h.sup.dispatch({ type: 'failed' });
    expect(h.sup.state).toMatchObject({ status: 'retrying', attempt: 1 });
    vi.advanceTimersByTime(999);
    expect(h.launches).toEqual(['start']);
    vi.advanceTimersByTime(1);
    expect(h.launches).toEqual(['start', 'retry']);
    expect(h.sup.state.status).toBe('starting');
    expect(h.changes()).toBe(3); // starting, retrying, starting
  });

  it('a retry that comes due while nobody wants the channel goes idle, without launching', () => {
    const h = harness();
    h.sup.dispatch({ type: 'start' });
    h.sup.dispatch({ type: 'failed' });
    h.setWanted(false);
    vi.advanceTimersByTime(1000);
    expect(h.sup.state).toMatchObject({ status: 'idle', attempt: 1, nextRetryAt: null });
    expect(h.launches).toEqual(['start']);
  });

  it('gives the slot back when the channel fails, and a BUSY channel starts when a slot frees', () => {
    const slots = new FfmpegSlots(1);
    const a = harness(slots);
    const b = harness(slots);
    a.sup.dispatch({ type: 'start' });
    expect(a.sup.takeSlot()).toBe(true);
    b.sup.dispatch({ type: 'start' });
    expect(b.sup.takeSlot()).toBe(false);
    b.sup.dispatch({ type: 'failed', busy: true });
    expect(b.sup.state).toMatchObject({ status: 'retrying', attempt: 0, waitingForSlot: true });
    a.sup.dispatch({ type: 'failed' }); // a's ffmpeg died: its slot goes back at once
    expect(slots.inUse).toBe(0);
    expect(b.launches).toEqual(['start', 'retry']);
    expect(b.sup.state.status).toBe('starting');
    expect(b.sup.takeSlot()).toBe(true);
  });

  it('close() stops the timer and gives the slot back', () => {
    const slots = new FfmpegSlots(1);
    const h = harness(slots);
    h.sup.dispatch({ type: 'start' });
    h.sup.takeSlot();
    h.sup.dispatch({ type: 'media' });
    h.sup.close();
    expect(slots.inUse).toBe(0);
    h.sup.dispatch({ type: 'failed' });
    vi.advanceTimersByTime(120_000);
    expect(h.launches).toEqual(['start']);
  });
});
