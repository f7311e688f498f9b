import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../server/channel/pacer.js';
import type { Fragment } from '../../../server/ffmpeg/fragmenter.js';

/** Fragments of 0.2 s from `from` to `to` seconds; a keyframe every second. */
function frags(from: number, to: number, bytes = 10): Fragment[] {
  const out: Fragment[] = [];
  for (let t = from; t < to - 1e-9; t = Math.round((t + 0.2) * 10) / 10) {
    out.push({ data: Buffer.alloc(bytes), key: Math.abs(t - Math.round(t)) < 1e-9, startSec: t, durationSec: 0.2 });
  }
  return out;
}
const starts = (fs: Fragment[] | null) => fs?.map((f) => f.startSec) ?? null;
const opts = { leadSec: 1, readAheadSec: 3, historySec: 10, historyMaxBytes: 1_000_000 };

describe('Pacer', () => {
  it.each([
    [0, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.5, [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4]],
    [-5, []],
  ])('releases what starts within the lead of playhead %d', (playhead, expected) => {
    const p = new Pacer(opts);
    for (const f of frags(0, 5)) p.enqueue(f);
    expect(starts(p.release(playhead))).toEqual(expected);
  });

  it('releases each fragment once, in order', () => {
    const p = new Pacer(opts);
    for (const f of frags(0, 3)) p.enqueue(f);
    expect(starts(p.release(0.3))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]);
    expect(starts(p.release(0.3))).toEqual([]);
    expect(starts(p.release(0.5))).toEqual([1.4]);
  });

  it.each([
    [0, 2.8, true],
    [0, 3.0, false],
    [1, 3.8, true],
  ])('wantsMore at playhead %d with the queue ending at %d → %s', (playhead, end, expected) => {
    const p = new Pacer(opts);
    for (const f of frags(0, end + 0.2)) p.enqueue(f);
    expect(p.wantsMore(playhead)).toBe(expected);
  });

  it('rewinds to the keyframe at or before a held target and replays from there', () => {
    const p = new Pacer(opts);
    for (const f of frags(0, 6)) p.enqueue(f);
    p.release(4); // history 0…5, queue 5.2…5.8
    expect(starts(p.rewindTo(2.5))?.slice(0, 3)).toEqual([2, 2.2, 2.4]);
    expect(starts(p.release(1.5))).toEqual([2, 2.2, 2.4]);
  });

  it.each([
    ['before anything held', 0, 10, 20, 5],
    ['after everything held', 0, 5, 4, 7],
  ])('returns null for a target %s', (_name, from, to, playhead, target) => {
    const p = new Pacer({ ...opts, historySec: 2 });
    for (const f of frags(from, to)) p.enqueue(f);
    p.release(playhead);
    expect(p.rewindTo(target)).toBeNull();
  });

  it('returns null when the held run has a gap', () => {
    const p = new Pacer(opts);
    for (const f of [...frags(0, 2), ...frags(30, 32)]) p.enqueue(f);
    p.release(40);
    expect(p.rewindTo(30.5)).not.toBeNull();
    // Only one keyframe (at 0), then a 1 s hole between 2 and 3: nothing decodable reaches 4.
    const q = new Pacer(opts);
    for (const f of [...frags(0, 2), ...frags(3, 5)]) q.enqueue({ ...f, key: f.startSec === 0 });
    q.release(10);
    expect(q.rewindTo(4)).toBeNull();
    expect(starts(q.rewindTo(1.5))?.[0]).toBe(0);
  });

  it('forgets history older than historySec and beyond historyMaxBytes', () => {
    const p = new Pacer({ ...opts, historySec: 1, historyMaxBytes: 50 });
    for (const f of frags(0, 10)) p.enqueue(f);
    p.release(8);
    expect(p.rewindTo(3)).toBeNull();
    expect(p.rewindTo(8.5)).toBeNull(); // 50 bytes keep 8.2…9.0: no keyframe at or before 8.5
  });

  it('refuses a read-ahead shorter than the lead', () => {
    expect(() => new Pacer({ ...opts, readAheadSec: 0.5 })).toThrow(TypeError);
  });

  it.each([
    // Released up to 2.4 + 1 = 3.4: the newest keyframe released is 3, past the playhead.
    ['playing at 2.4: from the keyframe at 2', 2.4, [2, 2.2, 2.4, 2.6, 2.8, 3, 3.2, 3.4]],
    ['exactly on a keyframe', 2, [2, 2.2, 2.4, 2.6, 2.8, 3, 3.2, 3.4]],
    ['before anything released', -1, []],
  ])('joinFrom: %s', (_name, playhead, expected) => {
    const p = new Pacer(opts);
    for (const f of frags(0, 6)) p.enqueue(f);
    p.release(2.4);
    expect(starts(p.joinFrom(playhead))).toEqual(expected);
  });
});
