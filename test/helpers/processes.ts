/**
 * Child processes of this test process, read from /proc (Linux): what `ps --ppid <pid>` shows,
 * zombies included, without spawning ps (which would itself be a child).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  /** The executable's name as the kernel knows it (≤ 15 chars), e.g. `ffmpeg`, `ffprobe`. */
  comm: string;
  /** R, S, D, Z (zombie) … */
  state: string;
}

export function childrenOf(ppid = process.pid): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we listed
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; it ends at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, parent] = stat.slice(close + 2).split(' ');
    if (Number(parent) === ppid) out.push({ pid: Number(name), comm, state: state ?? '?' });
  }
  return out;
}

/** This process's ffmpeg and ffprobe children (zombies included). */
export function mediaChildren(ppid = process.pid): ProcInfo[] {
  return childrenOf(ppid).filter((p) => p.comm === 'ffmpeg' || p.comm === 'ffprobe');
}
