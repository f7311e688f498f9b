/**
 * What every benchmark prints and writes: a table for the terminal and a JSON file under
 * bench/results/ carrying the machine, the versions used and the medians, so a number is never
 * quoted without the box it came from.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(BENCH_DIR);

export interface Machine {
  cpu: string;
  cores: number;
  memGiB: number;
  os: string;
  node: string;
  /** Other load at the start, so a reader can discount a busy run. */
  loadavg: number[];
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** First line of `<cmd> <arg>`, or null when the program is missing. */
export function versionOf(cmd: string, arg = '--version'): string | null {
  try {
    const out = execFileSync(cmd, [arg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return out.split('\n')[0]?.trim() ?? null;
  } catch (err) {
    const e = err as { stderr?: string };
    return e.stderr?.split('\n')[0]?.trim() || null;
  }
}

/** Prints rows as an aligned table; the first row is the header. */
export function printTable(title: string, rows: ReadonlyArray<ReadonlyArray<string>>): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  console.log(`\n${title}`);
  rows.forEach((r, i) => {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

export interface BenchResult {
  bench: string;
  startedAt: string;
  machine: Machine;
  versions: Record<string, string | null>;
  options: Record<string, unknown>;
  /** Peers that could not be set up, with the reason, so a missing column is explained. */
  skipped: Record<string, string>;
  results: unknown;
}

/** Writes bench/results/<name>.json (the latest run) and returns its path. */
export function writeResult(result: BenchResult): string {
  const dir = path.join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.bench}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(REPO_ROOT, file)}`);
  return file;
}
