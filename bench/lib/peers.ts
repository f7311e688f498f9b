/**
 * The peers a benchmark runs beside pushcast are installed by the benchmark, never by `npm install`
 * (they are not needed for the product or its tests): npm packages into bench/.peers (gitignored),
 * Debian packages with apt-get when we are root. A peer that cannot be had is reported with its
 * reason and the benchmark carries on without its column.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './report.js';

export const PEERS_DIR = path.join(BENCH_DIR, '.peers');

export type Peer = { ok: true; dir: string } | { ok: false; reason: string };

/** Installs `name@version` into bench/.peers (once) and returns its package folder. */
export function npmPeer(name: string, version: string): Peer {
  const dir = path.join(PEERS_DIR, 'node_modules', name);
  if (existsSync(path.join(dir, 'package.json'))) return { ok: true, dir };
  try {
    mkdirSync(PEERS_DIR, { recursive: true });
    if (!existsSync(path.join(PEERS_DIR, 'package.json'))) {
      writeFileSync(path.join(PEERS_DIR, 'package.json'), '{"name":"pushcast-bench-peers","private":true}\n');
    }
    console.log(`[bench] installing peer ${name}@${version} into bench/.peers`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', `${name}@${version}`], { cwd: PEERS_DIR, stdio: 'inherit', timeout: 300_000 });
    return { ok: true, dir };
  } catch (err) {
    return { ok: false, reason: `npm install ${name}@${version} failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Makes sure `bin` exists, installing Debian `pkg` when it does not; returns its path. */
export function aptPeer(bin: string, pkg: string): Peer {
  const found = which(bin);
  if (found) return { ok: true, dir: found };
  if (process.getuid?.() !== 0) return { ok: false, reason: `${bin} missing and not root to apt-get install ${pkg}` };
  try {
    console.log(`[bench] installing ${pkg} with apt-get`);
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', timeout: 600_000 });
  } catch {
    try {
      execFileSync('apt-get', ['update'], { stdio: 'inherit', timeout: 600_000 });
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', timeout: 600_000 });
    } catch (err) {
      return { ok: false, reason: `apt-get install ${pkg} failed: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  const after = which(bin);
  return after ? { ok: true, dir: after } : { ok: false, reason: `${pkg} installed but ${bin} not found` };
}

function which(bin: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/sbin', ...(process.env['PATH'] ?? '').split(':')]) {
    const p = path.join(dir, bin);
    if (existsSync(p)) return p;
  }
  return null;
}
