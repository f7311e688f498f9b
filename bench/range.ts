/**
 * `npm run bench -- range [--seconds 5] [--connections 16,64] [--repeats 1] [--size-mib 256] [--profile]`
 *
 * Benchmark 4 of issue 12: HTTP Range serving of one file, side by side on loopback with nginx
 * (Debian package, 1 worker, sendfile on) and Node's `send` (npm, in a plain http server). A
 * generated file of --size-mib MiB (random bytes) sits in a temp media dir; wrk (Debian package)
 * asks random 1 MiB ranges (`Range: bytes=a-b`, checked to be 206 with Content-Length 1 MiB by
 * bench/range/ranges.lua) and whole-file downloads (checked once with a plain GET), at each
 * connection count, for --seconds each. Each server runs in its own process and is stopped at the
 * end, also on error. Quoted: median req/s and MB/s over --repeats, and pushcast's ratio to each
 * peer. `--profile` writes a V8 CPU profile of pushcast's process to bench/results/range-cpuprofile/.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/spawn-server.js';
import { aptPeer, npmPeer, PEERS_DIR } from './lib/peers.js';
import { BENCH_DIR, REPO_ROOT, machine, printTable, versionOf, writeResult } from './lib/report.js';
import { fmt, median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16,64' },
    repeats: { type: 'string', default: '1' },
    'size-mib': { type: 'string', default: '256' },
    only: { type: 'string', default: 'pushcast,send,nginx' },
    profile: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const connections = values.connections.split(',').map(Number);
const repeats = Number(values.repeats);
const sizeMiB = Number(values['size-mib']);
const FILE_SIZE = sizeMiB * 2 ** 20;
const RANGE_SIZE = 2 ** 20;
const FILE_NAME = 'data.bin';
const startedAt = new Date().toISOString();
const skipped: Record<string, string> = {};
const children: ChildProcess[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pushcast-bench-range-'));
const mediaDir = path.join(tmp, 'media');

interface Server {
  name: string;
  port: number;
  /** Path of the file on this server. */
  urlPath: string;
}

/** Writes FILE_SIZE random bytes in 8 MiB chunks. */
async function makeFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(8 * 2 ** 20);
  for (let done = 0; done < FILE_SIZE; done += chunk.length) {
    randomFillSync(chunk);
    const part = chunk.subarray(0, Math.min(chunk.length, FILE_SIZE - done));
    if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Spawns a child and resolves with the port it prints as `listening <port>`. */
function startChild(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, port?: number): Promise<Server> {
  // stdin stays open: pushcast-server.mjs exits when we do.
  const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s: ${err}`)), 20_000);
    const done = (p: number): void => {
      clearTimeout(timer);
      resolve({ name, port: p, urlPath: `/vod/${FILE_NAME}` });
    };
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${err}`)));
    if (port !== undefined) {
      // nginx prints nothing: poll its port.
      const poll = (): void => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 500 }, (res) => {
          res.resume();
          done(port);
        });
        req.on('error', () => setTimeout(poll, 100));
      };
      poll();
      return;
    }
    child.stdout?.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) done(Number(m[1]));
    });
  });
}

async function startNginx(bin: string): Promise<Server> {
  const port = await freePort();
  const dir = path.join(tmp, 'nginx');
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    location /vod/ { alias ${mediaDir}/; }
  }
}
`);
  return startChild('nginx', bin, ['-p', dir, '-c', conf, '-e', `${dir}/logs/error.log`], {}, port);
}

/** Checks one answer: status and Content-Length for a range, or for the whole file. */
function probe(s: Server, range: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const headers = range ? { Range: `bytes=1000-${1000 + RANGE_SIZE - 1}` } : {};
    const req = http.get({ host: '127.0.0.1', port: s.port, path: s.urlPath, headers }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => {
        const want = range ? RANGE_SIZE : FILE_SIZE;
        const status = range ? 206 : 200;
        resolve(res.statusCode === status && n === want ? null : `${s.name}: got ${res.statusCode} with ${n} bytes, want ${status} with ${want}`);
      });
    });
    req.on('error', (err) => resolve(`${s.name}: ${err.message}`));
  });
}

interface Run {
  reqPerSec: number;
  mbPerSec: number;
  bad: number;
  errors: string | null;
  p50ms: number | null;
  p99ms: number | null;
}

const UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30 };

function wrk(bin: string, s: Server, conns: number, range: boolean): Promise<Run> {
  const args = ['-t', '2', '-c', String(conns), '-d', `${seconds}s`, '--timeout', '30s', '-s', path.join(BENCH_DIR, 'range', 'ranges.lua'), `http://127.0.0.1:${s.port}${s.urlPath}`];
  const env = { ...process.env, FILE_SIZE: String(FILE_SIZE), RANGE_SIZE: String(range ? RANGE_SIZE : 0), URL_PATH: s.urlPath };
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: (seconds + 60) * 1000, maxBuffer: 1 << 20 }, (err, out) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}`));
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const tr = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
      const res = /RESULT good=(\d+) bad=(\d+) p50=(\d+) p99=(\d+)/.exec(out);
      const errs = /Socket errors:.*|Non-2xx or 3xx responses:.*/g;
      resolve({
        reqPerSec: Number(rps?.[1] ?? NaN),
        mbPerSec: tr ? (Number(tr[1]) * UNITS[tr[2]!]!) / 1e6 : NaN,
        bad: Number(res?.[2] ?? 0),
        errors: (out.match(errs) ?? []).join('; ') || null,
        p50ms: res ? Number(res[3]) / 1000 : null,
        p99ms: res ? Number(res[4]) / 1000 : null,
      });
    });
  });
}

function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);
process.on('SIGINT', () => { stopAll(); process.exit(130); });

const wanted = values.only.split(',');
const servers: Server[] = [];
const results: Record<string, Record<string, Run & { runs: Run[] }>> = {};
let wrkBin: string | null = null;
let nginxBin: string | null = null;
try {
  mkdirSync(mediaDir, { recursive: true });
  chmodSync(tmp, 0o755); // nginx's worker drops root and must reach the file
  console.log(`[bench] writing a ${sizeMiB} MiB file to ${mediaDir}`);
  await makeFile(path.join(mediaDir, FILE_NAME));

  const w = aptPeer('wrk', 'wrk');
  if (!w.ok) throw new Error(`no load generator: ${w.reason}`);
  wrkBin = w.dir;

  if (wanted.includes('pushcast')) {
    const prof = path.join(BENCH_DIR, 'results', 'range-cpuprofile');
    const flags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
    servers.push(await startChild('pushcast', process.execPath, [...flags, path.join(BENCH_DIR, 'lib', 'pushcast-server.mjs'), path.join(REPO_ROOT, 'dist')], {
      MEDIA_DIR: mediaDir,
      CACHE_DIR: path.join(tmp, 'cache'),
    }));
  }
  if (wanted.includes('send')) {
    const peer = npmPeer('send', '1.2.1');
    if (peer.ok) servers.push(await startChild('send', process.execPath, [path.join(BENCH_DIR, 'range', 'send-server.mjs'), path.join(PEERS_DIR, 'package.json')], { MEDIA_DIR: mediaDir }));
    else skipped['send'] = peer.reason;
  }
  if (wanted.includes('nginx')) {
    const peer = aptPeer('nginx', 'nginx');
    if (peer.ok) {
      nginxBin = peer.dir;
      servers.push(await startNginx(peer.dir));
    } else skipped['nginx'] = peer.reason;
  }

  for (const s of servers) {
    for (const range of [true, false]) {
      const problem = await probe(s, range);
      if (problem) throw new Error(`wrong answer: ${problem}`);
    }
  }

  const cases = connections.flatMap((c) => [`range-1MiB@${c}`, `whole@${c}`]);
  for (const s of servers) results[s.name] = {};
  for (let r = 0; r < repeats; r++) {
    for (const c of cases) {
      const [kind, conns] = c.split('@') as [string, string];
      // Interleave servers within a case so drift on the shared machine hits all alike.
      for (const s of servers) {
        const run = await wrk(wrkBin, s, Number(conns), kind !== 'whole');
        console.log(`[bench] ${s.name} ${c}: ${fmt(run.reqPerSec)} req/s, ${fmt(run.mbPerSec)} MB/s${run.bad ? `, ${run.bad} bad answers` : ''}${run.errors ? ` (${run.errors})` : ''}`);
        const slot = (results[s.name]![c] ??= { ...run, runs: [] });
        slot.runs.push(run);
      }
    }
  }
  for (const byCase of Object.values(results)) {
    for (const slot of Object.values(byCase)) {
      slot.reqPerSec = median(slot.runs.map((x) => x.reqPerSec));
      slot.mbPerSec = median(slot.runs.map((x) => x.mbPerSec));
      slot.bad = slot.runs.reduce((a, x) => a + x.bad, 0);
    }
  }

  const names = servers.map((s) => s.name);
  const ratio = (c: string, peer: string): string => {
    // Whole 256 MiB files finish a handful of times in a few seconds: compare bytes, not requests.
    const key = c.startsWith('whole') ? 'mbPerSec' : 'reqPerSec';
    const a = results['pushcast']?.[c]?.[key];
    const b = results[peer]?.[c]?.[key];
    return a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '—';
  };
  const rows = [['case', ...names.flatMap((n) => [`${n} req/s`, `${n} MB/s`]), 'bad', 'pushcast/send', 'pushcast/nginx']] // ratios of req/s (ranges) or MB/s (whole);
  for (const c of cases) {
    const bad = names.reduce((a, n) => a + (results[n]?.[c]?.bad ?? 0), 0);
    rows.push([c, ...names.flatMap((n) => [fmt(results[n]?.[c]?.reqPerSec), fmt(results[n]?.[c]?.mbPerSec)]), String(bad), ratio(c, 'send'), ratio(c, 'nginx')]);
  }
  printTable(`Range serving, ${sizeMiB} MiB file, wrk -t2, ${seconds} s per case, median of ${repeats} (loopback, ${os.cpus().length} cores)`, rows);
  for (const [n, why] of Object.entries(skipped)) console.log(`skipped ${n}: ${why}`);

  writeResult({
    bench: 'range',
    startedAt,
    machine: machine(),
    versions: {
      node: process.version,
      nginx: nginxBin ? versionOf(nginxBin, '-v') : null,
      wrk: wrkBin ? versionOf(wrkBin, '-v') : null,
      send: '1.2.1',
    },
    options: { seconds, connections, repeats, sizeMiB, rangeBytes: RANGE_SIZE, wrkThreads: 2 },
    skipped,
    results,
  });
} finally {
  stopAll();
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  rmSync(tmp, { recursive: true, force: true });
}
