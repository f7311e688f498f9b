import { describe, expect, it } from 'vitest';
import { describeProgress, formatDuration, matchUnfinished, RateMeter, type UnfinishedUpload } from '../../web/src/pages/upload-progress.js';

const MiB = 1024 * 1024;

describe('RateMeter', () => {
  it('has no rate before two samples 200 ms apart', () => {
    const m = new RateMeter();
    expect(m.rate()).toBeNull();
    m.sample(0, 0);
    m.sample(1000, 100);
    expect(m.rate()).toBeNull();
  });

  it('measures a steady transfer, and follows a slow-down within its window', () => {
    const m = new RateMeter(5000);
    let bytes = 0;
    for (let t = 0; t <= 10_000; t += 500) m.sample((bytes += MiB / 2), t); // 1 MiB/s
    expect(m.rate()).toBeCloseTo(MiB, -3);
    for (let t = 10_500; t <= 20_000; t += 500) m.sample((bytes += MiB / 20), t); // 0.1 MiB/s
    expect(m.rate()).toBeCloseTo(MiB / 10, -3);
  });

  it('starts over after reset (a pause)', () => {
    const m = new RateMeter();
    m.sample(0, 0);
    m.sample(MiB, 1000);
    m.reset();
    expect(m.rate()).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [13.2, '14 s'],
    [60, '1 min 00 s'],
    [185, '3 min 05 s'],
    [7300, '2 h 01 min'],
    [-5, '0 s'],
  ])('%d s → %s', (sec, text) => {
    expect(formatDuration(sec)).toBe(text);
  });
});

describe('describeProgress', () => {
  it.each<[number, number, number | null, number, string]>([
    [0, 40 * MiB, null, 0, '0 B of 40.0 MiB · 0 %'],
    [12 * MiB, 40 * MiB, 2 * MiB, 30, '12.0 MiB of 40.0 MiB · 30 % · 2.0 MiB/s · 14 s left'],
    [12 * MiB, 40 * MiB, 0, 30, '12.0 MiB of 40.0 MiB · 30 % · 0 B/s · stalled'],
    [40 * MiB - 1, 40 * MiB, MiB, 99, '40.0 MiB of 40.0 MiB · 99 % · 1.0 MiB/s · 1 s left'],
    [40 * MiB, 40 * MiB, MiB, 100, '40.0 MiB of 40.0 MiB · 100 %'],
    [0, 0, null, 100, '0 B of 0 B · 100 %'],
  ])('%d of %d at %s B/s', (sent, total, rate, percent, text) => {
    expect(describeProgress(sent, total, rate)).toEqual({ percent, text });
  });
});

describe('matchUnfinished', () => {
  const u = (id: string, filename: string | null, size: number | null): UnfinishedUpload => ({ id, filename, size, offset: 0, created: null, expires: null });
  const list = [u('new', 'a.mp4', 100), u('old', 'a.mp4', 100), u('other', 'a.mp4', 99), u('anon', null, 100)];
  it.each<[string, number, string | null]>([
    ['a.mp4', 100, 'new'],
    ['a.mp4', 99, 'other'],
    ['a.mp4', 98, null],
    ['b.mp4', 100, null],
  ])('%s (%d bytes) → %s', (name, size, id) => {
    expect(matchUnfinished({ name, size }, list)?.id ?? null).toBe(id);
  });
});
