/**
 * `npm run bench -- delay [--seconds 15] [--repeats 3] [--only pushcast,nms] [--kbps 2000] [--fragment-ms 200] [--audio false]`
 *
 * Benchmark 1 of issue 12: what a viewer of a live channel sees, measured from the frames on screen.
 * One ffmpeg (bench/lib/source.ts) draws the wall clock as a barcode into a 1280×720 30 fps test
 * pattern, encodes it once (x264 zerolatency, --kbps, 1 s GOP, AAC) and sends the same packets to
 *  - pushcast: MPEG-TS over UDP to two channels, `live` (keepAlive, for warm viewers) and `cold`
 *    (idle until a viewer comes, idleStopMs 2 s), and
 *  - the peer: Node-Media-Server 2.7.4 over RTMP, played as WS-FLV by mpegts.js 1.8.2 with its
 *    low-latency settings (bench/delay/peer.ts).
 * Viewers are Chromium pages with the barcode reader (bench/lib/page.ts), one at a time so they do
 * not compete for the two cores. Per repeat and server:
 *  - first frame: navigation start → the first presented frame whose code reads (warm; and cold
 *    for pushcast: the first viewer of an idle channel, so ffmpeg starts for it);
 *  - glass-to-glass: for --seconds after a 3 s settle, the compositor's display time of each
 *    presented frame minus the wall clock burnt into it; p50 / p95 / max;
 *  - the player's own estimate (pushcast: stats().delaySec; mpegts.js page: buffered end −
 *    currentTime), sampled once a second, printed beside it so the difference is visible.
 * Quoted: medians over --repeats of each repeat's value.
 */

import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.js';
import { freePort } from '../test/helpers/spawn-server.js';
import { codeDiff, MODULO, type Sample } from './lib/barcode.js';
import { openViewer } from './lib/page.js';
import { startPushcast, type RunningServer } from './lib/pushcast.js';
import { machine, printTable, REPO_ROOT, versionOf, writeResult } from './lib/report.js';
import { sourceArgs, startSource } from './lib/source.js';
import { fmt, median, summarize } from './lib/stats.js';
import { MPEGTS_VERSION, NMS_VERSION, startPeer, type PeerSetup } from './delay/peer.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    repeats: { type: 'string', default: '3' },
    only: { type: 'string', default: 'pushcast,nms' },
    kbps: { type: 'string', default: '2000' },
    'fragment-ms': { type: 'string', default: '' },
    settle: { type: 'string', default: '3' },
    audio: { type: 'string', default: 'true' },
  },
});
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const settleMs = Number(values.settle) * 1000;
const wanted = values.only.split(',');
const startedAt = new Date().toISOString();
const skipped: Record<string, string> = {};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const IDLE_STOP_MS = 2000;

interface Run {
  firstFrameMs: number | null;
  g2g: ReturnType<typeof summarize>;
  /** Fraction of presented frames whose code could not be read. */
  unreadable: number;
  playerSaysMs: number | null;
  /** Where the first frame's time went, ms from navigation start: response end, DOMContentLoaded, WebSocket created / open / first binary message. */
  firstFrameParts: Record<string, number | null>;
}

/** Glass-to-glass of each readable frame: display time − the wall clock drawn into it. */
function delays(samples: readonly Sample[]): number[] {
  return samples.filter((s) => s.code !== null).map((s) => codeDiff(Math.round(s.shownAt) % MODULO, s.code!));
}

async function measure(browser: Browser, url: string, estimate: string): Promise<Run> {
  const v = await openViewer(browser, url);
  try {
    const first = await v.firstFrame(30_000);
    const firstFrameMs = first ? Math.round(first.shownAt - v.openedAt) : null;
    const m = await v.marks();
    const rel = (x: number | undefined): number | null => (x === undefined ? null : Math.round(x - v.openedAt));
    const firstFrameParts = { responseEnd: rel(m.responseEnd), domContentLoaded: rel(m.domContentLoaded), wsCreated: rel(m.wsCreated), wsOpen: rel(m.wsOpen), firstBinary: rel(m.firstBinary) };
    await sleep(settleMs);
    await v.drain();
    const own: number[] = [];
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await sleep(1000);
      const d = await v.page.evaluate(estimate).catch(() => null);
      if (typeof d === 'number' && Number.isFinite(d)) own.push(d * 1000);
    }
    const samples = await v.drain();
    const g = delays(samples);
    return { firstFrameMs, g2g: summarize(g), unreadable: samples.length ? 1 - g.length / samples.length : 1, playerSaysMs: own.length ? median(own) : null, firstFrameParts };
  } finally {
    await v.close();
  }
}

async function coldFirstFrame(browser: Browser, url: string): Promise<number | null> {
  const v = await openViewer(browser, url);
  try {
    const first = await v.firstFrame(30_000);
    return first ? Math.round(first.shownAt - v.openedAt) : null;
  } finally {
    await v.close();
  }
}

async function waitRunning(base: string, id: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const info = await fetch(`${base}/api/channels/${id}`).then((r) => r.json() as Promise<{ status?: string }>).catch(() => null);
    if (info?.status === 'running') return;
    await sleep(200);
  }
  throw new Error(`channel ${id} not running after ${timeoutMs} ms`);
}

const PUSHCAST_ESTIMATE = '(() => { const s = window.player?.stats?.(); return s ? s.delaySec : null; })()';
const PEER_ESTIMATE = 'window.player?.stats?.().delaySec ?? null';

let pushcast: RunningServer | null = null;
let peer: PeerSetup | null = null;
let source: Awaited<ReturnType<typeof startSource>> | null = null;
let browser: Browser | null = null;
const runs: Record<string, Run[]> = {};
const cold: number[] = [];
let args: string[] = [];
try {
  const outputs: string[] = [];
  if (wanted.includes('nms')) {
    try {
      peer = await startPeer('bench');
      outputs.push(`[f=flv]${peer.rtmpUrl}`);
    } catch (err) {
      skipped['nms'] = (err as Error).message;
    }
  }
  if (wanted.includes('pushcast')) {
    const warmPort = await freePort();
    const coldPort = await freePort();
    const config: Record<string, unknown> = {
      idleStopMs: IDLE_STOP_MS,
      channels: [
        { id: 'live', source: `udp://127.0.0.1:${warmPort}`, keepAlive: true },
        { id: 'cold', source: `udp://127.0.0.1:${coldPort}` },
      ],
    };
    if (values['fragment-ms']) config['fragmentMs'] = Number(values['fragment-ms']);
    pushcast = await startPushcast({ config });
    outputs.push(`[f=mpegts]udp://127.0.0.1:${warmPort}?pkt_size=1316`, `[f=mpegts]udp://127.0.0.1:${coldPort}?pkt_size=1316`);
  }
  const sourceOptions = { clock: 'wallclock' as const, outputs, kbps: Number(values.kbps), gop: 30, audio: values.audio !== 'false' };
  args = sourceArgs(sourceOptions);
  source = await startSource(sourceOptions);
  browser = await launchChromium();
  // Warm means warm: wait until the keepAlive channel runs (its ffmpeg is past its analysis), then
  // give it and NMS a GOP more.
  if (pushcast) await waitRunning(pushcast.url, 'live', 60_000);
  await sleep(2000);

  for (let r = 0; r < repeats; r++) {
    if (pushcast) {
      (runs['pushcast'] ??= []).push(await measure(browser, `${pushcast.url}/watch/live`, PUSHCAST_ESTIMATE));
      await sleep(IDLE_STOP_MS + 3000); // the cold channel is idle again
      cold.push((await coldFirstFrame(browser, `${pushcast.url}/watch/cold`)) ?? Number.NaN);
    }
    if (peer) (runs['nms'] ??= []).push(await measure(browser, peer.pageUrl, PEER_ESTIMATE));
    console.log(`[delay] repeat ${r + 1}/${repeats}: ${Object.entries(runs).map(([k, v]) => `${k} p50 ${fmt(v.at(-1)!.g2g.p50)} ms, first ${fmt(v.at(-1)!.firstFrameMs)} ms`).join('; ')}${cold.length ? `; cold ${fmt(cold.at(-1))} ms` : ''}`);
  }
} finally {
  await browser?.close().catch(() => {});
  await source?.close().catch(() => {});
  await pushcast?.close().catch(() => {});
  await peer?.close().catch(() => {});
}

const med = (k: string, f: (r: Run) => number | null): number => median((runs[k] ?? []).map(f).filter((x): x is number => x !== null && !Number.isNaN(x)));
const names = Object.keys(runs);
const rows: string[][] = [['metric (median of repeats)', ...names]];
const line = (label: string, f: (r: Run) => number | null): void => { rows.push([label, ...names.map((k) => fmt(med(k, f)))]); };
line('glass-to-glass p50, ms', (r) => r.g2g.p50);
line('glass-to-glass p95, ms', (r) => r.g2g.p95);
line('glass-to-glass max, ms', (r) => r.g2g.max);
line('first frame, warm, ms', (r) => r.firstFrameMs);
for (const part of ['responseEnd', 'domContentLoaded', 'wsCreated', 'wsOpen', 'firstBinary']) line(`  of which until ${part}, ms`, (r) => r.firstFrameParts[part] ?? null);
rows.push(['first frame, cold, ms', ...names.map((k) => (k === 'pushcast' ? fmt(median(cold.filter((x) => !Number.isNaN(x)))) : 'n/a'))]);
line('player says delay, ms', (r) => r.playerSaysMs);
line('unreadable frames, %', (r) => r.unreadable * 100);
printTable(`delay: glass-to-glass and first frame, ${repeats} × ${seconds} s, ${values.kbps} kbit/s, 1 s GOP, loopback`, rows);
if (runs['pushcast'] && runs['nms']) {
  console.log(`\npushcast / nms: g2g p50 ${fmt(med('pushcast', (r) => r.g2g.p50) / med('nms', (r) => r.g2g.p50))}×, first frame ${fmt(med('pushcast', (r) => r.firstFrameMs) / med('nms', (r) => r.firstFrameMs))}×`);
}
for (const [k, why] of Object.entries(skipped)) console.log(`skipped ${k}: ${why}`);
writeResult({
  bench: 'delay',
  startedAt,
  machine: machine(),
  versions: {
    ffmpeg: versionOf(process.env['FFMPEG_PATH'] ?? 'ffmpeg', '-version'),
    chromium: versionOf('/usr/bin/chromium'),
    'node-media-server': peer || runs['nms'] ? NMS_VERSION : null,
    'mpegts.js': peer || runs['nms'] ? MPEGTS_VERSION : null,
  },
  options: { ...values, sourceArgs: args.map((a) => a.replace(REPO_ROOT, '.')), idleStopMs: IDLE_STOP_MS },
  skipped,
  results: { runs, coldFirstFrameMs: cold, medians: Object.fromEntries(rows.slice(1).map((r) => [r[0], Object.fromEntries(names.map((k, i) => [k, r[i + 1]]))])) },
});

