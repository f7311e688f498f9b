/**
 * CPU and memory of a process from /proc (Linux), read from outside so a server's own accounting
 * cannot flatter it. CPU is user+system time over wall time: 1.0 = one core busy.
 */
import { readFileSync } from 'node:fs';
import { childrenOf } from '../../test/helpers/processes.js';

const TICKS_PER_SEC = 100; // _SC_CLK_TCK on Linux x86-64 and arm64

export interface CpuMark { pid: number; ticks: number; at: number }

/** user + system ticks of `pid` (fields 14 and 15 of /proc/<pid>/stat). */
function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function cpuMark(pid: number): CpuMark {
  return { pid, ticks: ticksOf(pid), at: Date.now() };
}

/** Cores used by the process between the mark and now. */
export function cpuSince(mark: CpuMark): number {
  const ticks = ticksOf(mark.pid);
  const sec = (Date.now() - mark.at) / 1000;
  return sec > 0 ? (ticks - mark.ticks) / TICKS_PER_SEC / sec : 0;
}

/** Resident set size in MB. */
export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Live direct children of `pid` whose executable name contains `match` (e.g. pushcast's ffmpeg). */
export function childPids(pid: number, match: string): number[] {
  return childrenOf(pid).filter((c) => c.state !== 'Z' && c.comm.includes(match)).map((c) => c.pid);
}
