/**
 * `npm run bench:soak [-- --duration 300 --viewers 200 --slow 10 --churn 20 --channel test]`
 *
 * Runs the built server (`node dist/server/main.js`) as its own process on 127.0.0.1 and puts one
 * channel under many WebSocket viewers for a while (SOAK_SECONDS or --duration, default 60 s):
 * healthy ones, slow ones that stop reading their socket, churning ones that leave/join or reconnect
 * (scripts/soak/viewer.ts). Every --interval seconds (default 5) one line: server RSS and its growth,
 * server and ffmpeg CPU, healthy viewers' delivery delay, fragments, drops, viewers, closes by code.
 * At the end a summary, including the memory growth fitted over the second half of the run, then a
 * graceful shutdown (SIGTERM) with the viewers still connected.
 *
 * Delivery delay = arrival time at the viewer − the wall clock in the fragment's prft box. ffmpeg
 * (-write_prft wallclock) stamps the fragment when its muxer writes it, as NTP time rounded to the
 * ms; server/media/prft.ts turns that into Unix ms. Both ends read the same machine clock, so the
 * delay is what the server adds (pipe → fragmenter → channel → WebSocket) plus this process's own
 * event-loop lag, printed next to it. Encoding time is not in it.
 *
 * Numbers, not a pass/fail test. Linux only (/proc). Loopback only. Everything has a deadline;
 * Ctrl-C ends the run early with the summary, a second Ctrl-C kills the server at once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { locateFfmpeg } from '../server/ffmpeg/locate.js';
import type { ChannelInfo } from '../server/core/protocol.js';
import { tempDir } from '../test/helpers/server.js';
import { SOAK_USAGE, resolveSoakOptions, type SoakOptions } from './soak/options.js';
import { ServerProcess, survivors, type ProcSample } from './soak/server-process.js';
import { Tally, cpuPercent, growthMbPerMin, halves, promByLabel, promSum, type MsHistogram } from './soak/stats.js';
import { SoakMetrics, SoakViewer, type Role } from './soak/viewer.js';

const run = promisify(execFile);

/** Deadlines, ms. */
const PLACEHOLDER_TIMEOUT_MS = 30_000;
const SERVER_READY_MS = 30_000;
const FIRST_FRAGMENT_MS = 30_000;
const ALL_OPEN_MS = 20_000;
const API_TIMEOUT_MS = 2_000;
/** SIGTERM → SIGKILL: the server's own shutdown deadline is 5 s (config shutdownTimeoutMs). */
const SHUTDOWN_GRACE_MS = 15_000;
/** Viewers started per ramp step, and the pause between steps (ms): 200 viewers join in 1 s. */
const RAMP_BATCH = 20;
const RAMP_STEP_MS = 100;
/** proc(5) clock ticks per second; `getconf CLK_TCK` says otherwise on exotic kernels. */
const DEFAULT_CLK_TCK = 100;

function options(): SoakOptions {
  try {
    const o = resolveSoakOptions(process.argv.slice(2), process.env);
    if (o === 'help') {
      console.log(SOAK_USAGE);
      process.exit(0);
    }
    return o;
  } catch (err) {
    console.error(`bench:soak: ${(err as Error).message}\n${SOAK_USAGE}`);
    process.exit(2);
  }
}

async function clockTicks(): Promise<number> {
  try {
    const n = Number((await run('getconf', ['CLK_TCK'], { timeout: 5_000 })).stdout.trim());
    return Number.isInteger(n) && n > 0 ? n : DEFAULT_CLK_TCK;
  } catch {
    return DEFAULT_CLK_TCK;
  }
}

/** Waits until `done()` or the deadline (or an abort); true when done. */
async function until(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline || signal?.aborted === true) return false;
    await sleep(50);
  }
  return true;
}

interface ApiState {
  /** Sum of `drops` over all channels; null when no channel reports the field. */
  drops: number | null;
  channelViewers: number | null;
  status: string | null;
  sessions: number | null;
  /** The server's V8 heap in use (nodejs_heap_size_used_bytes from GET /metrics), MB; null without it. */
  heapMb: number | null;
  /** WebSocket closes by code as the server counts them (pushcast_ws_closes_total); null without /metrics. */
  serverCloses: Tally | null;
}

/** The server's own view, from GET /api/channels and /api/health; nulls when it did not answer. */
async function apiState(url: string, channel: string): Promise<ApiState> {
  const get = async (p: string, as: 'json' | 'text'): Promise<unknown> => {
    try {
      const res = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
      if (!res.ok) return null;
      return as === 'json' ? await res.json() : await res.text();
    } catch {
      return null;
    }
  };
  const [list, health, metrics] = await Promise.all([get('/api/channels', 'json'), get('/api/health', 'json'), get('/metrics', 'text')]);
  const heapBytes = typeof metrics === 'string' ? promSum(metrics, 'nodejs_heap_size_used_bytes') : null;
  const closes = typeof metrics === 'string' ? promByLabel(metrics, 'pushcast_ws_closes_total', 'code') : null;
  let serverCloses: Tally | null = null;
  if (closes !== null && (closes.size > 0 || /^# TYPE pushcast_ws_closes_total /m.test(String(metrics)))) {
    serverCloses = new Tally();
    for (const [code, n] of closes) if (n > 0) serverCloses.inc(code, n);
  }
  const channels = (list as { channels?: Array<Partial<ChannelInfo>> } | null)?.channels ?? [];
  const withDrops = channels.filter((c) => typeof c.drops === 'number');
  const mine = channels.find((c) => c.id === channel);
  const sessions = (health as { viewers?: unknown } | null)?.viewers;
  return {
    drops: withDrops.length ? withDrops.reduce((s, c) => s + (c.drops ?? 0), 0) : null,
    channelViewers: typeof mine?.viewers === 'number' ? mine.viewers : null,
    status: mine?.status ?? null,
    sessions: typeof sessions === 'number' ? sessions : null,
    heapMb: heapBytes === null ? null : heapBytes / 1024 / 1024,
    serverCloses,
  };
}

/** Roles for `n` viewers: the first healthy (it starts the channel), the rest shuffled. */
function roles(o: SoakOptions): Role[] {
  const healthy = o.viewers - o.slow - o.churn;
  const rest: Role[] = [...Array<Role>(o.slow).fill('slow'), ...Array<Role>(o.churn).fill('churn'), ...Array<Role>(Math.max(0, healthy - 1)).fill('healthy')];
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return healthy > 0 ? ['healthy', ...rest] : rest;
}

/**
 * The progress table: name and width of each column. rss/Δ: server VmRSS and its change since t = 0
 * (MB); heap: the server's V8 heap from /metrics (MB); cpu / ffm / gen: % of one core used by the
 * server, its children (ffmpeg) and this load generator; delay: healthy viewers' p50/p95 this
 * interval (ms); frags: fragments received this interval; drops: the server's count so far; open /
 * srv: connections as the viewers and as the server see them; stall: viewers not reading now;
 * lag99: this process's event-loop delay p99 (part of every delay it measures).
 */
const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['t', 6], ['rss MB', 8], ['Δ MB', 7], ['heap', 6], ['cpu%', 5], ['ffm%', 5], ['gen%', 5], ['delay p50/p95', 14],
  ['frags', 6], ['drops', 6], ['open', 5], ['srv', 5], ['stall', 5], ['lag99', 6], ['closes code×n: seen by viewers | by the server', 0],
];
const row = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(COLUMNS[i]?.[1] ?? 0)).join(' ');
const mb = (kb: number): number => kb / 1024;
const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pctPair = (h: MsHistogram): string => (h.count ? `${h.percentile(50)}/${h.percentile(95)}` : '-');
const count = (viewers: SoakViewer[], pred: (v: SoakViewer) => boolean): number => viewers.reduce((n, v) => n + (pred(v) ? 1 : 0), 0);

const o = options();
if (process.platform !== 'linux') {
  console.error('bench:soak reads /proc: Linux only');
  process.exit(2);
}
const entry = path.resolve('dist/server/main.js');
if (!existsSync(entry)) {
  console.error(`bench:soak: ${entry} is missing: run "npm run build" first (npm run bench:soak does)`);
  process.exit(2);
}

const abort = new AbortController();
let server: ServerProcess | null = null;
const tmp = tempDir('pushcast-soak-');
// Whatever happens below, the server and the temp folder do not outlive this process.
process.on('exit', () => {
  server?.killNow();
  tmp.remove();
});
/** A repeat within this many ms is the same Ctrl-C (npm and tsx pass the signal on too), ms. */
const SAME_INTERRUPT_MS = 1_000;
let firstInterruptAt: number | null = null;
const interrupt = (): void => {
  const now = Date.now();
  if (firstInterruptAt === null) {
    firstInterruptAt = now;
    console.error('\nbench:soak: stopping early with a summary (again to force)');
    abort.abort();
  } else if (now - firstInterruptAt > SAME_INTERRUPT_MS) {
    console.error('\nbench:soak: forced exit');
    process.exit(130);
  }
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
process.on('SIGHUP', interrupt);

const ticksPerSec = await clockTicks();
const ffmpeg = await locateFfmpeg(process.env['FFMPEG_PATH'] ?? null);
const mediaDir = path.join(tmp.dir, 'media');
mkdirSync(mediaDir);
// An empty media folder makes main.ts generate a 60 s sample clip with ffmpeg, which would load the
// CPU during the soak: one 1 s, 64×64 clip keeps the folder non-empty (its channel stays idle).
await run(ffmpeg.ffmpeg, [
  '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=black:s=64x64:r=10:d=1',
  '-c:v', 'libx264', '-pix_fmt', 'yuv420p', path.join(mediaDir, 'placeholder.mp4'),
], { timeout: PLACEHOLDER_TIMEOUT_MS, signal: abort.signal });
const configFile = path.join(tmp.dir, 'soak.json');
// All viewers come from 127.0.0.1: the per-IP and per-channel limits must let them all in.
writeFileSync(configFile, JSON.stringify({
  cacheDir: path.join(tmp.dir, 'cache'),
  maxConnectionsPerIp: o.viewers * 2 + 16,
  maxViewersPerChannel: Math.max(1000, o.viewers * 2),
}));

let exitCode = 0;
try {
  server = await ServerProcess.start({
    entry,
    args: ['--host', '127.0.0.1', '--port', '0', '--media', mediaDir, '--config', configFile],
    env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn', FFMPEG_PATH: ffmpeg.ffmpeg },
    readyTimeoutMs: SERVER_READY_MS,
  });
  const url = server.url!;
  const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
  const idle = server.sample();
  const metrics = new SoakMetrics();
  const viewers = roles(o).map((role) => new SoakViewer({ wsUrl, origin: url, channel: o.channel, role, metrics }));
  const byRole = (r: Role): number => count(viewers, (v) => v.role === r);

  console.log(`\npushcast soak — ${ffmpeg.version.split(' ').slice(0, 3).join(' ')}, channel "${o.channel}", ${o.viewers} viewers `
    + `(${byRole('healthy')} healthy, ${o.slow} slow, ${o.churn} churning), ${o.durationSec} s, server pid ${server.pid} on 127.0.0.1`);
  console.log('other processes share this machine\'s CPUs: the delay and CPU numbers include their interference');

  // The first viewer starts the channel's ffmpeg; the others join a running channel.
  viewers[0]!.start();
  if (!(await until(() => metrics.fragments > 0, FIRST_FRAGMENT_MS, abort.signal))) {
    throw new Error(`no media fragment within ${FIRST_FRAGMENT_MS} ms of the first join${abort.signal.aborted ? ' (interrupted)' : ''}`);
  }
  for (let i = 1; i < viewers.length && !abort.signal.aborted; i += RAMP_BATCH) {
    for (const v of viewers.slice(i, i + RAMP_BATCH)) v.start();
    await sleep(RAMP_STEP_MS);
  }
  const allOpen = await until(() => count(viewers, (v) => v.state === 'open') === viewers.length, ALL_OPEN_MS, abort.signal);
  if (!allOpen) console.log(`only ${count(viewers, (v) => v.state === 'open')} of ${viewers.length} viewers connected within ${ALL_OPEN_MS} ms`);

  const base = server.sample();
  if (!base) throw new Error('server process vanished before the run');
  metrics.reset();
  const t0 = Date.now();
  const end = t0 + o.durationSec * 1000;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const rows: Array<{ tSec: number; mb: number }> = [{ tSec: 0, mb: mb(base.rssKb) }];
  const seenChildren = new Map<number, string>([...base.children].map(([pid, c]) => [pid, c.comm]));
  let prev: { at: number; s: ProcSample; fragments: number; cpu: NodeJS.CpuUsage } = { at: t0, s: base, fragments: metrics.fragments, cpu: process.cpuUsage() };
  const cpu0 = prev.cpu;
  let rssMax = base.rssKb;
  let lastApi = await apiState(url, o.channel);
  const heapRows: Array<{ tSec: number; mb: number }> = lastApi.heapMb === null ? [] : [{ tSec: 0, mb: lastApi.heapMb }];
  const heapStart = lastApi.heapMb;
  let heapMax = heapStart ?? NaN;

  console.log(`server RSS: ${fmt(mb(idle?.rssKb ?? NaN), 1)} MB idle, ${fmt(mb(base.rssKb), 1)} MB with the viewers connected (t = 0)`);
  console.log(row(COLUMNS.map(([name]) => name)));
  // Ticks at t0 + k × interval, so slow API answers under load do not make the lines drift.
  for (let tick = 1; !abort.signal.aborted && Date.now() < end; tick++) {
    try {
      await sleep(Math.max(0, Math.min(t0 + tick * o.intervalMs, end) - Date.now()), undefined, { signal: abort.signal });
    } catch {
      break; // interrupted: go to the summary
    }
    const now = Date.now();
    const s = server.sample();
    if (!s) {
      console.log(`server process ended during the run (stderr tail below)\n${server.stderrTail().join('\n')}`);
      exitCode = 1;
      break;
    }
    lastApi = await apiState(url, o.channel);
    let childTicks = 0;
    for (const [pid, c] of s.children) {
      childTicks += c.ticks - (prev.s.children.get(pid)?.ticks ?? 0);
      seenChildren.set(pid, c.comm);
    }
    const ms = now - prev.at;
    const cpu = process.cpuUsage();
    // This process's CPU (µs of user + system time) in % of one core: the load side of the numbers.
    const genPct = ((cpu.user - prev.cpu.user + cpu.system - prev.cpu.system) / 1000 / ms) * 100;
    rssMax = Math.max(rssMax, s.rssKb);
    rows.push({ tSec: (now - t0) / 1000, mb: mb(s.rssKb) });
    if (lastApi.heapMb !== null) {
      heapRows.push({ tSec: (now - t0) / 1000, mb: lastApi.heapMb });
      heapMax = Math.max(Number.isFinite(heapMax) ? heapMax : 0, lastApi.heapMb);
    }
    const open = count(viewers, (v) => v.state === 'open');
    const srv = lastApi.channelViewers ?? lastApi.sessions;
    console.log(row([
      `${Math.round((now - t0) / 1000)}s`,
      fmt(mb(s.rssKb), 1),
      `${s.rssKb >= base.rssKb ? '+' : ''}${fmt(mb(s.rssKb - base.rssKb), 1)}`,
      lastApi.heapMb === null ? '-' : fmt(lastApi.heapMb, 1),
      fmt(cpuPercent(s.ticks - prev.s.ticks, ticksPerSec, ms)),
      fmt(cpuPercent(childTicks, ticksPerSec, ms)),
      fmt(genPct),
      pctPair(metrics.intervalDelay),
      String(metrics.fragments - prev.fragments),
      lastApi.drops === null ? 'n/a' : String(lastApi.drops),
      String(open),
      srv === null ? '?' : String(srv),
      String(count(viewers, (v) => v.stalled)),
      `${fmt(loop.percentile(99) / 1e6)}ms`,
      `${metrics.closes.format()} | ${lastApi.serverCloses?.format() ?? 'n/a'}${lastApi.status !== null && lastApi.status !== 'running' ? `  channel ${lastApi.status}` : ''}`,
    ]));
    metrics.intervalDelay.reset();
    loop.reset();
    prev = { at: now, s, fragments: metrics.fragments, cpu };
  }
  loop.disable();
  const elapsedSec = (prev.at - t0) / 1000;
  const last = prev.s;

  const openAtEnd = count(viewers, (v) => v.state === 'open');
  const stalledAtEnd = count(viewers, (v) => v.stalled);
  // Shutdown with the viewers still connected: how the server closes them, and how long it takes.
  for (const v of viewers) v.drain();
  const exit = await server.stop(SHUTDOWN_GRACE_MS);
  await until(() => count(viewers, (v) => v.connected) === 0, 1_000);
  for (const v of viewers) v.stop();
  await sleep(500); // children the server signalled get a moment to go
  const leftBehind = survivors(seenChildren);
  for (const c of leftBehind) process.kill(c.pid, 'SIGKILL');

  const growth = growthMbPerMin(rows);
  const d = metrics.delay;
  const healthyCount = byRole('healthy');
  console.log(`\nsummary after ${fmt(elapsedSec)} s (other processes share the CPUs: treat delays and CPU as upper bounds)`);
  console.log(`  server RSS        start ${fmt(mb(base.rssKb), 1)} MB, max ${fmt(mb(rssMax), 1)} MB, end ${fmt(mb(last.rssKb), 1)} MB (idle before viewers ${fmt(mb(idle?.rssKb ?? NaN), 1)} MB)`);
  const h = halves(rows);
  console.log(`  RSS growth        ${fmt(growth.mbPerMin, 2)} MB/min (least squares over the second half, ${growth.n} samples); `
    + `low/high ${fmt(h.first.min, 1)}/${fmt(h.first.max, 1)} MB in the first half, ${fmt(h.second.min, 1)}/${fmt(h.second.max, 1)} MB in the second`);
  const heapGrowth = growthMbPerMin(heapRows);
  console.log(heapRows.length
    ? `  server heap       start ${fmt(heapStart ?? NaN, 1)} MB, max ${fmt(heapMax, 1)} MB, end ${fmt(heapRows.at(-1)!.mb, 1)} MB; growth ${fmt(heapGrowth.mbPerMin, 2)} MB/min (second half, ${heapGrowth.n} samples)`
    : '  server heap       n/a (the server serves no GET /metrics with nodejs_heap_size_used_bytes)');
  const genCpu = ((prev.cpu.user - cpu0.user + prev.cpu.system - cpu0.system) / 1000 / Math.max(1, prev.at - t0)) * 100;
  console.log(`  CPU (one core)    server ${fmt(cpuPercent(last.ticks - base.ticks, ticksPerSec, prev.at - t0))} % on average; this load generator ${fmt(genCpu)} %`);
  console.log(`  delay (ms)        healthy p50 ${d.healthy.percentile(50)} p95 ${d.healthy.percentile(95)} max ${fmt(d.healthy.max)} (n=${d.healthy.count}); `
    + `churning p50/p95 ${pctPair(d.churn)}; slow p50/p95 ${pctPair(d.slow)} max ${fmt(d.slow.max)}`);
  console.log(`  join → 1st frag   p50 ${metrics.joinToFirst.percentile(50)} ms, p95 ${metrics.joinToFirst.percentile(95)} ms (n=${metrics.joinToFirst.count})`);
  console.log(`  fragments         ${metrics.fragments} received (${fmt(d.healthy.count / Math.max(1, healthyCount) / Math.max(1, elapsedSec), 2)} per healthy viewer per s), `
    + `${fmt(metrics.bytes / 1024 / 1024, 1)} MB, ${metrics.inits} init segments; ${metrics.replayed} GOP-cache replays after a join (not in the delays)`);
  console.log(`  drops (server)    ${lastApi.drops === null ? 'n/a (GET /api/channels has no drops field)' : lastApi.drops}`);
  console.log(`  closes by code    seen by viewers ${metrics.closes.format()} (by role: ${metrics.closesByRole.format()}), at shutdown ${metrics.shutdownCloses.format()}`);
  console.log(`                    counted by the server ${lastApi.serverCloses?.format() ?? 'n/a (no pushcast_ws_closes_total in GET /metrics)'}`
    + ' — a viewer that stopped reading cannot see its close until it reads again');
  console.log(`  viewers at end    ${openAtEnd} connected as the viewers see it (${stalledAtEnd} of them not reading), `
    + `${lastApi.channelViewers ?? '?'} on the channel as the server sees it`);
  console.log(`  client errors     ${metrics.errors.format()}   server error messages: ${metrics.serverErrors.format()}`);
  console.log(`  viewer actions    ${metrics.actions.format()}`);
  console.log(`  server stderr     ${server.stderrLines} lines at LOG_LEVEL=${process.env['LOG_LEVEL'] ?? 'warn'}`);
  console.log(`  shutdown          SIGTERM → exit code ${exit.code ?? '-'}${exit.signal ? ` (signal ${exit.signal})` : ''} in ${exit.ms} ms${exit.killed ? ' — needed SIGKILL' : ''}; `
    + `children left behind: ${leftBehind.length ? leftBehind.map((c) => `${c.comm}[${c.pid}]`).join(' ') : 'none'}`);
  if (server.stderrLines > 0) console.log(`  last stderr lines:\n    ${server.stderrTail().slice(-5).join('\n    ')}`);
  console.log(JSON.stringify({
    bench: 'soak', viewers: o.viewers, slow: o.slow, churn: o.churn, seconds: elapsedSec,
    rssStartMb: mb(base.rssKb), rssMaxMb: mb(rssMax), rssEndMb: mb(last.rssKb), growthMbPerMin: growth.mbPerMin, rssHalves: h,
    heapGrowthMbPerMin: heapRows.length ? heapGrowth.mbPerMin : null,
    delayP50: d.healthy.percentile(50), delayP95: d.healthy.percentile(95), drops: lastApi.drops,
    closes: metrics.closes.toObject(), serverCloses: lastApi.serverCloses?.toObject() ?? null, shutdownCloses: metrics.shutdownCloses.toObject(), exitCode: exit.code, shutdownMs: exit.ms, leftBehind: leftBehind.length,
  }));
  if (exit.code !== 0 || leftBehind.length > 0) exitCode = 1;
} catch (err) {
  console.error(`bench:soak: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  if (server?.alive) await server.stop(SHUTDOWN_GRACE_MS);
}
process.exit(abort.signal.aborted && exitCode === 0 ? 130 : exitCode);
