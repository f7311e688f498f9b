import { describe, expect, it } from 'vitest';
import { FfmpegSlots } from '../../../server/ffmpeg/slots.js';

describe('FfmpegSlots', () => {
  it('hands out at most max slots; a release frees one, twice frees it once', () => {
    const slots = new FfmpegSlots(2);
    const a = slots.tryAcquire();
    const b = slots.tryAcquire();
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
    a!.release();
    a!.release();
    expect(slots.inUse).toBe(1);
    expect(slots.tryAcquire()).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
  });

  it('wakes waiters oldest first, only while a slot is free', () => {
    const slots = new FfmpegSlots(1);
    const held = slots.tryAcquire()!;
    const woken: string[] = [];
    // Each waiter takes the slot it was woken for, as a channel's launch does.
    slots.waitForSlot(() => { woken.push('first'); slots.tryAcquire(); });
    slots.waitForSlot(() => { woken.push('second'); slots.tryAcquire(); });
    held.release();
    expect(woken).toEqual(['first']);
    expect(slots.inUse).toBe(1);
  });

  it('skips past a waiter that does not take the slot', () => {
    const slots = new FfmpegSlots(1);
    const held = slots.tryAcquire()!;
    const woken: string[] = [];
    slots.waitForSlot(() => woken.push('gone'));
    slots.waitForSlot(() => { woken.push('taker'); slots.tryAcquire(); });
    held.release();
    expect(woken).toEqual(['gone', 'taker']);
  });

  it('a cancelled wait is never called', () => {
    const slots = new FfmpegSlots(1);
    const held = slots.tryAcquire()!;
    let called = false;
    const cancel = slots.waitForSlot(() => { called = true; });
    cancel();
    held.release();
    expect(called).toBe(false);
  });

  it.each([0, -1, Number.NaN])('refuses a limit of %s', (max) => {
    expect(() => new FfmpegSlots(max)).toThrow(TypeError);
  });
});
