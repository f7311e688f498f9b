/**
 * What the fan-out benchmark computes from the workers' arrival records of one window [from, to]:
 * the units whose first arrival at any healthy viewer (any worker) falls in the window, the fraction
 * of (unit, healthy viewer) pairs that arrived, and the delivery spread: each arrival minus that
 * unit's first arrival, over all pairs.
 */
import type { WorkerData } from './worker.js';

export interface Delivery {
  /** Units in the window (seen by at least one healthy viewer). */
  units: number;
  /** Viewers open and receiving for the whole window, over all workers. */
  healthy: number;
  /** Arrived (unit, viewer) pairs / (units × healthy viewers). */
  delivered: number;
  /** Arrival − first arrival of the same unit, ms, over all arrived pairs. */
  spreadMs: { n: number; p50: number; p99: number; max: number };
}

/** Nearest-rank percentiles of a large sample (stats.ts's summarize spreads its input into Math.min). */
function spreadSummary(values: Float64Array): Delivery['spreadMs'] {
  const s = values.sort();
  const at = (p: number): number => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : Number.NaN);
  return { n: s.length, p50: at(50), p99: at(99), max: s.length ? s[s.length - 1]! : Number.NaN };
}

export function analyze(data: readonly WorkerData[], from: number, to: number): Delivery {
  const merged = new Map<number, number[][]>();
  for (const d of data) {
    for (const [key, times] of d.units) {
      const lists = merged.get(key);
      if (lists) lists.push(times); else merged.set(key, [times]);
    }
  }
  const healthy = data.reduce((a, d) => a + d.healthy, 0);
  const spread: number[] = [];
  let units = 0;
  let pairs = 0;
  for (const lists of merged.values()) {
    let first = Infinity;
    for (const l of lists) for (const t of l) if (t < first) first = t;
    if (first < from || first > to) continue;
    units++;
    for (const l of lists) {
      pairs += l.length;
      for (const t of l) spread.push(t - first);
    }
  }
  return { units, healthy, delivered: units && healthy ? pairs / (units * healthy) : Number.NaN, spreadMs: spreadSummary(Float64Array.from(spread)) };
}
