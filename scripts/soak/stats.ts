/**
 * Pure numbers for `npm run bench:soak`: a bounded delay histogram, a least-squares slope for memory
 * growth, counters by key, and parsers for the two /proc files the soak samples (Linux proc(5)).
 * No I/O here, so each piece has a table-driven test (test/scripts/soak/stats.test.ts).
 */

/**
 * Delays in whole milliseconds, counted in 1 ms buckets up to `maxMs` (larger values land in the
 * last bucket). prft wall clocks are whole milliseconds anyway, and a soak of hours must not keep
 * every sample: memory stays at (maxMs + 1) × 4 bytes whatever the run length.
 */
export class MsHistogram {
  private readonly buckets: Uint32Array;
  count = 0;
  /** Largest value added, before clamping (ms); NaN while empty. */
  max = NaN;

  constructor(readonly maxMs = 60_000) {
    this.buckets = new Uint32Array(maxMs + 1);
  }

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    // Same clock on both ends, prft rounded down to the ms: a negative delay is rounding, call it 0.
    const i = Math.min(this.maxMs, Math.max(0, Math.round(ms)));
    this.buckets[i]! += 1;
    this.count++;
    if (!(ms <= this.max)) this.max = ms;
  }

  /** The smallest value v with at least p % of the samples ≤ v (nearest rank); NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i <= this.maxMs; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i;
    }
    return this.maxMs;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.max = NaN;
  }
}

export interface Point {
  x: number;
  y: number;
}

/** Least-squares slope dy/dx of the points; NaN for fewer than two distinct x. */
export function linearSlope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

/**
 * Memory growth in MB per minute from (seconds, MB) samples, fitted over the second half only: the
 * first half holds the warm-up (JIT, buffers growing to their working size), which is not a leak.
 */
export function growthMbPerMin(samples: ReadonlyArray<{ tSec: number; mb: number }>): { mbPerMin: number; n: number } {
  const half = samples.slice(Math.floor(samples.length / 2));
  return { mbPerMin: linearSlope(half.map((s) => ({ x: s.tSec, y: s.mb }))) * 60, n: half.length };
}

/**
 * Lowest and highest value in the first and the second half of the samples. A garbage-collected heap
 * saws up and down, so a straight-line fit over a few cycles depends on where the run stopped; a
 * leak also lifts the floor (the lows after each collection) from one half to the next.
 */
export function halves(samples: ReadonlyArray<{ tSec: number; mb: number }>): { first: { min: number; max: number }; second: { min: number; max: number } } {
  const span = (xs: ReadonlyArray<{ mb: number }>): { min: number; max: number } => (xs.length
    ? { min: Math.min(...xs.map((x) => x.mb)), max: Math.max(...xs.map((x) => x.mb)) }
    : { min: NaN, max: NaN });
  const mid = Math.floor(samples.length / 2);
  return { first: span(samples.slice(0, mid)), second: span(samples.slice(mid)) };
}

/** Counts by key (close codes, error messages), printed in key order. */
export class Tally {
  private readonly counts = new Map<string, number>();

  inc(key: string | number, n = 1): void {
    const k = String(key);
    this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  clear(): void {
    this.counts.clear();
  }

  toObject(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
  }

  /** `1001×3 4001×2`, or `-` when empty. */
  format(): string {
    const parts = Object.entries(this.toObject()).map(([k, n]) => `${k}×${n}`);
    return parts.length ? parts.join(' ') : '-';
  }
}

/** VmRSS from /proc/<pid>/status, in kB (the kernel's unit there); null when absent (process gone). */
export function parseVmRssKb(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : null;
}

/**
 * utime + stime from /proc/<pid>/stat, in clock ticks (fields 14 and 15, proc(5)). The command name
 * (field 2) sits in parentheses and may itself hold spaces or ')', so fields are counted after the
 * last ')'. null for text that is not a stat line.
 */
export function parseStatTicks(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // After ')' comes field 3 (state): field n is at index n − 3.
  const fields = stat.slice(close + 1).trim().split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return Number.isFinite(utime) && Number.isFinite(stime) && fields.length >= 13 ? utime + stime : null;
}

/** CPU use in % of one core: ticks spent over wall time (100 % = one core busy all the time). */
export function cpuPercent(deltaTicks: number, ticksPerSecond: number, deltaMs: number): number {
  return deltaMs > 0 ? (deltaTicks / ticksPerSecond / (deltaMs / 1000)) * 100 : NaN;
}

/** One sample line of Prometheus text exposition format: `name{a="x",b="y"} value [timestamp]`. */
interface PromSample {
  labels: Record<string, string>;
  value: number;
}

/** Every sample of metric `name` (not of other metrics that share its prefix). */
function promSamples(text: string, name: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const labels: Record<string, string> = {};
    let tail = rest;
    if (rest[0] === '{') {
      const end = rest.lastIndexOf('}');
      for (const m of rest.slice(1, end).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
      tail = rest.slice(end + 1);
    }
    const value = Number(tail.trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) out.push({ labels, value });
  }
  return out;
}

/**
 * The sum of every series of one metric in Prometheus text format; null when there is none. Used for
 * the server's heap gauge when it serves GET /metrics.
 */
export function promSum(text: string, name: string): number | null {
  const samples = promSamples(text, name);
  return samples.length ? samples.reduce((s, x) => s + x.value, 0) : null;
}

/** One metric's values summed by one label (e.g. closes by `code`); empty when there is none. */
export function promByLabel(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { labels, value } of promSamples(text, name)) {
    const key = labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}
