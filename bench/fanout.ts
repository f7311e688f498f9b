/**
 * `npm run bench -- fanout [--viewers 1,100,500,1000,2000] [--seconds 10] [--workers 4] [--only pushcast,nms] [--kbps 2200] [--ramp 250]`
 *
 * Benchmark 3 of issue 12: one live channel to many WebSocket viewers, side by side with
 * Node-Media-Server 2.7.4's WS-FLV. One ffmpeg (bench/lib/source.ts: 1280×720 30 fps, x264 at
 * --kbps, 1 s GOP, AAC) tees the same packets as MPEG-TS over UDP to pushcast (channel `live`,
 * keepAlive) and as FLV over RTMP to NMS (bench/delay/peer.ts). Both servers run in their own
 * processes for the whole run; for each viewer count (ascending) and server:
 *  - the load generator (bench/fanout/pool.ts) forks --workers processes, each opening its share
 *    of the viewers at --ramp viewers/s in total and reading every frame (bench/fanout/worker.ts);
 *  - once every viewer receives media, 2 s settle (the join catch-up: init + GOP cache), then the
 *    workers record arrivals; the window of --seconds starts 3 s later, so each unit's first
 *    arrival is on record;
 *  - over the window, from /proc (bench/lib/proc.ts): the server process's CPU in cores (pushcast's
 *    ffmpeg child separately), its RSS (max of 1 s samples) and RSS per viewer above the 1-viewer
 *    case; from the workers: the fraction of media units (pushcast: fragments, nms: video tags)
 *    delivered to the viewers open the whole window, the p50 / p99 delivery spread (arrival − the
 *    unit's first arrival at any viewer), throughput per viewer, closes and errors, and each
 *    worker's event-loop delay p99: above 50 ms the generator itself may have been the bottleneck,
 *    and the row says so.
 * Loopback only; every process started here is stopped at the end, also on error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/spawn-server.js';
import { NMS_VERSION, startPeer, type PeerSetup } from './delay/peer.js';
import { analyze, type Delivery } from './fanout/analyze.js';
import { listenOverflows } from './fanout/netstat.js';
import { killAllWorkers, startPool } from './fanout/pool.js';
import { PEERS_DIR } from './lib/peers.js';
import { childPids, cpuMark, cpuSince, rssMB, type CpuMark } from './lib/proc.js';
import { startPushcast, type RunningServer } from './lib/pushcast.js';
import { machine, printTable, REPO_ROOT, versionOf, writeResult } from './lib/report.js';
import { sourceArgs, startSource } from './lib/source.js';
import { fmt, percentile } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '1,100,500,1000,2000' },
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '4' },
    only: { type: 'string', default: 'pushcast,nms' },
    kbps: { type: 'string', default: '2200' },
    ramp: { type: 'string', default: '250' },
  },
});
const counts = values.viewers.split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const rampPerSec = Number(values.ramp);
const wanted = values.only.split(',');
const startedAt = new Date().toISOString();
const skipped: Record<string, string> = {};
const LAG_LIMIT_MS = 50;
const SETTLE_MS = 2000;
const LEAD_MS = 3000;
const GRACE_MS = 2000;
/** Cores with two decimals: a remuxing ffmpeg or one idle viewer is a few hundredths of a core. */
const cores = (x: number | null): string => (x === null || Number.isNaN(x) ? '—' : x.toFixed(2));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Target { name: 'pushcast' | 'nms'; url: string; origin: string | null; channel: string; pid: number; ffmpeg: boolean }

interface Case extends Delivery {
  server: string;
  viewers: number;
  /** Viewers receiving media when the window was armed (all, unless the ramp timed out). */
  receiving: number;
  cpuCores: number | null;
  ffmpegCores: number | null;
  /** All generator processes together: near the machine's spare cores, the generator was the limit. */
  generatorCores: number | null;
  /** Units per second in the window (steady state: the source's rate, as in the 1-viewer case). */
  unitsPerSec: number;
  rssMB: number;
  rssPerViewerKB: number | null;
  /** Mean received bit rate per healthy viewer, Mbit/s. */
  mbpsPerViewer: number;
  /** Connect → first media unit over the viewers that got media, ms (the join under load). */
  joinMs: { p50: number; p99: number; max: number };
  closes: number;
  errors: Record<string, number>;
  workerLagP99Ms: number[];
  workerLagMaxMs: number[];
  generatorBound: boolean;
  notes: string[];
}

function safeCpu(mark: CpuMark | null): number | null {
  if (!mark) return null;
  try { return cpuSince(mark); } catch { return null; } // the process went away (ffmpeg restarted)
}

function pkgVersion(dir: string): string | null {
  try { return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version; } catch { return null; }
}

async function runCase(t: Target, n: number, baselineRss: number | undefined, baselineRate: number | undefined): Promise<Case> {
  const notes: string[] = [];
  const overflowsBefore = listenOverflows();
  const pool = startPool({ kind: t.name, url: t.url, origin: t.origin, channel: t.channel, viewers: n, workers, rampPerSec });
  try {
    // Ramp up, then wait until every viewer has media (the first case also waits for the channel).
    const deadline = Date.now() + (n / rampPerSec) * 1000 + 30_000;
    while (pool.status().receiving < n && Date.now() < deadline && pool.crashed().length === 0) await sleep(250);
    const receiving = pool.status().receiving;
    if (receiving < n) notes.push(`only ${receiving}/${n} receiving after the ramp`);
    await sleep(SETTLE_MS);
    pool.send({ type: 'mark' });
    const markAt = Date.now();
    await sleep(LEAD_MS);
    const from = Date.now();
    const ff = t.ffmpeg ? childPids(t.pid, 'ffmpeg')[0] : undefined;
    const cpu = cpuMark(t.pid);
    const ffCpu = ff !== undefined ? cpuMark(ff) : null;
    const genCpu = pool.pids().map((p) => cpuMark(p));
    let rss = rssMB(t.pid);
    while (Date.now() < from + seconds * 1000) {
      await sleep(Math.min(1000, from + seconds * 1000 - Date.now()));
      rss = Math.max(rss, rssMB(t.pid));
    }
    const to = Date.now();
    const cpuCores = safeCpu(cpu);
    const ffmpegCores = safeCpu(ffCpu);
    const genCores = genCpu.map(safeCpu);
    const generatorCores = genCores.includes(null) ? null : genCores.reduce((a: number, b) => a + b!, 0);
    await sleep(GRACE_MS); // units of the window's last moments reach the slower viewers
    const data = await pool.collect(from, to);
    const collectAt = Date.now();
    if (data.length < Math.min(workers, n)) notes.push(`${Math.min(workers, n) - data.length} worker(s) did not report`);
    notes.push(...pool.crashed());
    const overflows = listenOverflows();
    if (overflows !== null && overflowsBefore !== null && overflows > overflowsBefore) {
      notes.push(`kernel dropped ${overflows - overflowsBefore} connections on a full accept queue (ListenOverflows, machine-wide): the server fell behind accepting`);
    }
    const d = analyze(data, from, to);
    const unitsPerSec = d.units / ((to - from) / 1000);
    // More units than the source makes means the window began with a backlog (not steady state).
    if (baselineRate !== undefined && Math.abs(unitsPerSec / baselineRate - 1) > 0.15) {
      notes.push(`${fmt(unitsPerSec)} units/s against ${fmt(baselineRate)} with 1 viewer: not in steady state (a backlog from the ramp, or stalls)`);
    }
    const errors: Record<string, number> = {};
    for (const w of data) for (const [k, v] of Object.entries(w.errors)) errors[k] = (errors[k] ?? 0) + v;
    const lagP99 = data.map((w) => Math.round(w.lagP99Ms));
    const bytes = data.reduce((a, w) => a + w.bytes, 0);
    const joins = data.flatMap((w) => w.joinMs);
    return {
      server: t.name, viewers: n, receiving, ...d, cpuCores, ffmpegCores, generatorCores, unitsPerSec, rssMB: rss,
      rssPerViewerKB: baselineRss !== undefined && n > 1 ? ((rss - baselineRss) * 1024) / (n - 1) : null,
      mbpsPerViewer: d.healthy ? (bytes * 8) / 1e6 / d.healthy / ((collectAt - markAt) / 1000) : Number.NaN,
      joinMs: { p50: percentile(joins, 50), p99: percentile(joins, 99), max: percentile(joins, 100) },
      closes: data.reduce((a, w) => a + w.closed, 0), errors,
      workerLagP99Ms: lagP99, workerLagMaxMs: data.map((w) => Math.round(w.lagMaxMs)),
      generatorBound: lagP99.some((l) => l > LAG_LIMIT_MS), notes,
    };
  } finally {
    await pool.stop();
  }
}

let pushcast: RunningServer | null = null;
let peer: PeerSetup | null = null;
let source: Awaited<ReturnType<typeof startSource>> | null = null;
const cases: Case[] = [];
let args: string[] = [];
try {
  const outputs: string[] = [];
  const targets: Target[] = [];
  if (wanted.includes('nms')) {
    try {
      peer = await startPeer('bench');
      outputs.push(`[f=flv]${peer.rtmpUrl}`);
      targets.push({ name: 'nms', url: peer.wsUrl, origin: null, channel: 'bench', pid: peer.pid, ffmpeg: false });
    } catch (err) {
      skipped['nms'] = (err as Error).message;
    }
  }
  if (wanted.includes('pushcast')) {
    try {
      const port = await freePort();
      // The per-address and per-channel caps (32, 1000) are product defaults against abuse; all
      // viewers here come from 127.0.0.1, so they are lifted.
      pushcast = await startPushcast({ config: {
        channels: [{ id: 'live', source: `udp://127.0.0.1:${port}`, keepAlive: true }],
        maxConnectionsPerIp: 100_000, maxViewersPerChannel: 100_000,
      } });
      outputs.push(`[f=mpegts]udp://127.0.0.1:${port}?pkt_size=1316`);
      // The Origin the server's own page would send: same-origin passes the upgrade's check.
      targets.unshift({ name: 'pushcast', url: `ws://127.0.0.1:${pushcast.port}/ws`, origin: pushcast.url, channel: 'live', pid: pushcast.pid, ffmpeg: true });
    } catch (err) {
      skipped['pushcast'] = (err as Error).message;
    }
  }
  if (targets.length === 0) throw new Error(`nothing to measure: ${JSON.stringify(skipped)}`);
  const sourceOptions = { clock: 'media' as const, outputs, kbps: Number(values.kbps), gop: 30 };
  args = sourceArgs(sourceOptions);
  source = await startSource(sourceOptions);
  // One viewer per server until media flows (pushcast's UDP channel probes first), so the first
  // case's join time is a join, not the channel's start.
  for (const t of targets) {
    const warm = startPool({ kind: t.name, url: t.url, origin: t.origin, channel: t.channel, viewers: 1, workers: 1, rampPerSec });
    const until = Date.now() + 30_000;
    while (warm.status().receiving < 1 && Date.now() < until) await sleep(200);
    await warm.stop();
  }
  await sleep(1000);

  const baseline: Record<string, { rss: number; rate: number }> = {};
  for (const n of counts) {
    for (const t of targets) {
      const c = await runCase(t, n, baseline[t.name]?.rss, baseline[t.name]?.rate);
      if (n === 1) baseline[t.name] = { rss: c.rssMB, rate: c.unitsPerSec };
      cases.push(c);
      console.log(`[fanout] ${t.name} ${n}: cpu ${cores(c.cpuCores)}, rss ${fmt(c.rssMB)} MB, delivered ${fmt(c.delivered * 100)} %, spread p99 ${fmt(c.spreadMs.p99)} ms, healthy ${c.healthy}/${n}, lag p99 ${c.workerLagP99Ms.join('/')} ms${c.notes.length ? `; ${c.notes.join('; ')}` : ''}`);
      await sleep(2000); // the server lets go of the closed sockets before the next case
    }
  }
} finally {
  killAllWorkers();
  await source?.close().catch(() => {});
  await pushcast?.close().catch(() => {});
  await peer?.close().catch(() => {});
}

const rows: string[][] = [[
  'viewers', 'server', 'CPU cores', 'ffmpeg cores', 'RSS MB', 'RSS/viewer KB', 'delivered %', 'spread p50 ms', 'spread p99 ms',
  'Mbit/s/viewer', 'join p99 ms', 'healthy', 'closes', 'errors', 'gen cores', 'gen lag p99 ms',
]];
for (const c of cases) {
  const errs = Object.entries(c.errors).filter(([k]) => !k.startsWith('close ')).reduce((a, [, v]) => a + v, 0);
  rows.push([
    String(c.viewers), c.server, cores(c.cpuCores), c.server === 'pushcast' ? cores(c.ffmpegCores) : 'n/a', fmt(c.rssMB), fmt(c.rssPerViewerKB),
    fmt(c.delivered * 100), fmt(c.spreadMs.p50), fmt(c.spreadMs.p99), fmt(c.mbpsPerViewer), fmt(c.joinMs.p99), `${c.healthy}/${c.viewers}`, String(c.closes), String(errs), cores(c.generatorCores),
    `${Math.max(...c.workerLagP99Ms, 0)}${c.generatorBound ? ' (!)' : ''}`,
  ]);
}
printTable(`fanout: ${values.kbps} kbit/s live channel, ${seconds} s windows, ${workers} generator processes, loopback`, rows);
if (cases.some((c) => c.generatorBound)) console.log(`(!) a generator process had event-loop delay p99 > ${LAG_LIMIT_MS} ms: it may have been the bottleneck`);
for (const n of counts) {
  const p = cases.find((c) => c.server === 'pushcast' && c.viewers === n);
  const m = cases.find((c) => c.server === 'nms' && c.viewers === n);
  if (p?.cpuCores && m?.cpuCores) console.log(`${n} viewers: pushcast / nms CPU ${fmt(p.cpuCores / m.cpuCores)}× (with ffmpeg ${fmt((p.cpuCores + (p.ffmpegCores ?? 0)) / m.cpuCores)}×), RSS ${fmt(p.rssMB / m.rssMB)}×`);
}
for (const c of cases) if (c.notes.length) console.log(`${c.server} ${c.viewers}: ${c.notes.join('; ')}`);
for (const [k, why] of Object.entries(skipped)) console.log(`skipped ${k}: ${why}`);
writeResult({
  bench: 'fanout',
  startedAt,
  machine: machine(),
  versions: {
    ffmpeg: versionOf(process.env['FFMPEG_PATH'] ?? 'ffmpeg', '-version'),
    ws: pkgVersion(path.join(REPO_ROOT, 'node_modules', 'ws')),
    'node-media-server': peer || cases.some((c) => c.server === 'nms') ? NMS_VERSION : null,
    'ws (in node-media-server)': pkgVersion(path.join(PEERS_DIR, 'node_modules', 'ws')),
  },
  options: {
    ...values, sourceArgs: args.map((a) => a.replace(REPO_ROOT, '.')), settleMs: SETTLE_MS, leadMs: LEAD_MS, graceMs: GRACE_MS,
    units: { pushcast: 'one fragment (binary frame after the init segment)', nms: 'one FLV video tag' },
  },
  skipped,
  results: { cases },
});
