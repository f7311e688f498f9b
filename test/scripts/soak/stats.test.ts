import { describe, expect, it } from 'vitest';
import { MsHistogram, Tally, cpuPercent, growthMbPerMin, halves, linearSlope, parseStatTicks, parseVmRssKb, promByLabel, promSum } from '../../../scripts/soak/stats.js';

describe('MsHistogram', () => {
  it.each([
    { values: [], p: 50, want: NaN },
    { values: [7], p: 50, want: 7 },
    { values: [1, 2, 3, 4], p: 50, want: 2 },
    { values: [1, 2, 3, 4], p: 51, want: 3 },
    { values: [1, 2, 3, 4], p: 100, want: 4 },
    { values: [...Array(95).fill(3), ...Array(5).fill(90)], p: 95, want: 3 },
    { values: [...Array(94).fill(3), ...Array(6).fill(90)], p: 95, want: 90 },
    { values: [2.4, 2.6], p: 100, want: 3 },
    { values: [-1, -5], p: 100, want: 0 },
    { values: [5, 1e9], p: 100, want: 100 },
  ])('percentile $p of $values.length values → $want', ({ values, p, want }) => {
    const h = new MsHistogram(100);
    for (const v of values) h.add(v);
    expect(h.percentile(p)).toBe(want);
  });

  it('keeps the unclamped max and the count, ignores NaN, and resets', () => {
    const h = new MsHistogram(100);
    for (const v of [3, 1e9, NaN, Infinity, 4]) h.add(v);
    expect(h.count).toBe(3);
    expect(h.max).toBe(1e9);
    h.reset();
    expect([h.count, h.max, h.percentile(50)]).toEqual([0, NaN, NaN]);
  });
});

describe('linearSlope / growthMbPerMin', () => {
  it.each([
    { points: [], want: NaN },
    { points: [{ x: 1, y: 1 }], want: NaN },
    { points: [{ x: 1, y: 1 }, { x: 1, y: 5 }], want: NaN },
    { points: [{ x: 0, y: 1 }, { x: 2, y: 5 }], want: 2 },
    { points: [{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 0 }, { x: 3, y: 1 }], want: 0.2 },
    { points: [{ x: 0, y: 9 }, { x: 10, y: 9 }], want: 0 },
  ])('slope of $points.length points → $want', ({ points, want }) => {
    const got = linearSlope(points);
    if (Number.isNaN(want)) expect(got).toBeNaN();
    else expect(got).toBeCloseTo(want, 10);
  });

  it('fits the second half only: a warm-up jump does not count as growth', () => {
    // 0–25 s: +20 MB of warm-up; 30–55 s: flat at 100 MB, then +0.5 MB per 5 s.
    const samples = [0, 5, 10, 15, 20, 25].map((t) => ({ tSec: t, mb: 80 + t * 0.8 }))
      .concat([30, 35, 40, 45, 50, 55].map((t, i) => ({ tSec: t, mb: 100 + i * 0.5 })));
    const { mbPerMin, n } = growthMbPerMin(samples);
    expect(n).toBe(6);
    expect(mbPerMin).toBeCloseTo(6, 10);
  });
});

describe('halves', () => {
  const at = (mbs: number[]) => mbs.map((mb, i) => ({ tSec: i * 5, mb }));
  it.each([
    { mbs: [], want: { first: { min: NaN, max: NaN }, second: { min: NaN, max: NaN } } },
    { mbs: [7], want: { first: { min: NaN, max: NaN }, second: { min: 7, max: 7 } } },
    // A sawtooth that comes back down: same floor and ceiling in both halves.
    { mbs: [80, 100, 82, 101, 80, 100, 81, 101], want: { first: { min: 80, max: 101 }, second: { min: 80, max: 101 } } },
    // A leak lifts the floor.
    { mbs: [80, 90, 85, 95, 90, 100, 95, 105, 100], want: { first: { min: 80, max: 95 }, second: { min: 90, max: 105 } } },
  ])('$mbs', ({ mbs, want }) => {
    expect(halves(at(mbs))).toEqual(want);
  });
});

describe('Tally', () => {
  it('counts by key and prints keys in numeric order', () => {
    const t = new Tally();
    expect(t.format()).toBe('-');
    t.inc(4001);
    t.inc(1006, 2);
    t.inc('4001');
    expect(t.format()).toBe('1006×2 4001×2');
    expect(t.toObject()).toEqual({ 1006: 2, 4001: 2 });
    expect(t.total).toBe(4);
    t.clear();
    expect([t.format(), t.total]).toEqual(['-', 0]);
  });
});

describe('proc parsers', () => {
  it.each([
    { text: 'Name:\tnode\nVmPeak:\t  900000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 50000 kB\n', want: 81234 },
    { text: 'Name:\tzombie\nState:\tZ (zombie)\n', want: null },
    { text: '', want: null },
  ])('VmRSS of a status file → $want kB', ({ text, want }) => {
    expect(parseVmRssKb(text)).toBe(want);
  });

  // Fields 14 and 15 are utime and stime; the name in parentheses may hold spaces and ')'.
  const tail = 'S 1 2 3 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 11 0 500 900000 20000';
  it.each([
    { text: `4242 (node) ${tail}`, want: 1290 },
    { text: `4242 (my prog) ) ${tail}`, want: 1290 },
    { text: `4242 (node) S 1 2`, want: null },
    { text: 'garbage', want: null },
  ])('ticks of "$text" → $want', ({ text, want }) => {
    expect(parseStatTicks(text)).toBe(want);
  });

  it.each([
    { ticks: 100, hz: 100, ms: 1000, want: 100 },
    { ticks: 50, hz: 100, ms: 5000, want: 10 },
    { ticks: 300, hz: 100, ms: 1000, want: 300 },
    { ticks: 0, hz: 100, ms: 5000, want: 0 },
  ])('$ticks ticks at $hz Hz over $ms ms → $want %', ({ ticks, hz, ms, want }) => {
    expect(cpuPercent(ticks, hz, ms)).toBeCloseTo(want, 10);
  });
  it('cpuPercent over no time is NaN', () => {
    expect(cpuPercent(5, 100, 0)).toBeNaN();
  });
});

describe('promSum', () => {
  const text = [
    '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
    '# TYPE nodejs_heap_size_used_bytes gauge',
    'nodejs_heap_size_used_bytes 12582912',
    'nodejs_heap_size_used_bytes_extra 1',
    'pushcast_fragments_dropped_total{channel="test"} 5',
    'pushcast_fragments_dropped_total{channel="a{b}"} 2 1700000000000',
  ].join('\n');
  it.each([
    { name: 'nodejs_heap_size_used_bytes', want: 12582912 },
    { name: 'pushcast_fragments_dropped_total', want: 7 },
    { name: 'nodejs_heap', want: null },
    { name: 'absent_metric', want: null },
  ])('$name → $want', ({ name, want }) => {
    expect(promSum(text, name)).toBe(want);
  });
});

describe('promByLabel', () => {
  const text = [
    '# TYPE pushcast_ws_closes_total counter',
    'pushcast_ws_closes_total{code="1001"} 3',
    'pushcast_ws_closes_total{code="4001",reason="a \\"quoted\\" one"} 2',
    'pushcast_ws_closes_total{code="4001"} 1',
    'pushcast_ws_closes_total_other{code="1"} 9',
  ].join('\n');
  it('sums by the label and ignores metrics that share the prefix', () => {
    expect(Object.fromEntries(promByLabel(text, 'pushcast_ws_closes_total', 'code'))).toEqual({ 1001: 3, 4001: 3 });
  });
  it('is empty for an absent metric', () => {
    expect(promByLabel(text, 'nope', 'code').size).toBe(0);
  });
});
