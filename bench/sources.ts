/**
 * `npm run bench -- sources [--seconds 10] [--repeats 3] [--only cpu,first] [--kbps 2000]`
 *
 * Benchmark 5 of issue 12: what one channel costs, and how long its first viewer waits.
 * One ffmpeg (bench/lib/source.ts, 'media' barcode, 1280×720 30 fps, x264 --kbps, 1 s GOP, AAC)
 * sends the same MPEG-TS over UDP to pushcast and to an SRT relay (bench/sources/inputs.ts).
 *  - CPU (bench/sources/cpu.ts): a pushcast per case with one keepAlive channel on the UDP source,
 *    remuxed (H.264/AAC copied) or transcoded (`transcode: 'always'`), one WebSocket viewer
 *    reading it; cores over each --seconds window from /proc for the server process, its ffmpeg
 *    child and, beside them, the source ffmpeg.
 *  - First frame: one pushcast (idleStopMs 2 s) with a file channel (a generated 20 s MP4 in the
 *    media folder), a UDP channel and an SRT channel, none keepAlive. Per repeat and channel:
 *    cold = the first viewer of the idle channel (no ffprobe / ffmpeg under the server, checked
 *    in /proc), from navigation to the first presented frame whose code reads, in Chromium
 *    (bench/lib/page.ts); then warm = a second viewer opened right after the first left, while
 *    the channel still runs. The cold start is split by the server's own log lines and its
 *    children in /proc (bench/sources/watch.ts): ffprobe seen, 'starting ffmpeg', 'init segment'.
 * Quoted: medians over --repeats.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.js';
import { openViewer } from './lib/page.js';
import { aptPeer } from './lib/peers.js';
import { startPushcast, type RunningServer } from './lib/pushcast.js';
import { machine, printTable, REPO_ROOT, versionOf, writeResult } from './lib/report.js';
import { sourceArgs, startSource, type RunningSource } from './lib/source.js';
import { fmt, median } from './lib/stats.js';
import { freePort } from '../test/helpers/spawn-server.js';
import { measureCpu, type CpuMode, type CpuWindow } from './sources/cpu.js';
import { clipArgs, makeClip, srtVersion, startSrtRelay, type SrtRelay } from './sources/inputs.js';
import { ChildWatch, phasesOf, ServerLog, waitIdle, type Phases } from './sources/watch.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '3' },
    only: { type: 'string', default: 'cpu,first' },
    kbps: { type: 'string', default: '2000' },
  },
});
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const wanted = values.only.split(',');
const startedAt = new Date().toISOString();
const skipped: Record<string, string> = {};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const IDLE_STOP_MS = 2000;
const FFMPEG = process.env['FFMPEG_PATH'] ?? 'ffmpeg';

type SourceName = 'file' | 'udp' | 'srt';
/** Channel id of each first-frame source ('clip' is the media file clip.mp4). */
const CHANNEL: Record<SourceName, string> = { file: 'clip', udp: 'udp', srt: 'srt' };

interface ColdRun extends Phases { firstFrameMs: number | null; wasIdle: boolean }
const cpu: Partial<Record<CpuMode, CpuWindow[]>> = {};
const cold: Partial<Record<SourceName, ColdRun[]>> = {};
const warm: Partial<Record<SourceName, Array<number | null>>> = {};
/** The first ffmpeg command line the server logged for each channel (debug log). */
const commands: Record<string, string> = {};

async function firstFrameMs(browser: Browser, url: string): Promise<{ ms: number | null; openedAt: number; shownAt: number | null }> {
  const v = await openViewer(browser, url);
  try {
    const s = await v.firstFrame(30_000);
    return { ms: s ? Math.round(s.shownAt - v.openedAt) : null, openedAt: v.openedAt, shownAt: s ? s.shownAt : null };
  } finally {
    await v.close();
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pushcast-sources-'));
let source: RunningSource | null = null;
let relay: SrtRelay | null = null;
let pushcast: RunningServer | null = null;
let watch: ChildWatch | null = null;
let browser: Browser | null = null;
let srtBin: string | null = null;
let args: string[] = [];
try {
  const mediaDir = path.join(tmp, 'media');
  mkdirSync(mediaDir);
  const [cpuPort, udpPort, relayInPort, srtPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const outputs = [`[f=mpegts]udp://127.0.0.1:${cpuPort}?pkt_size=1316`];
  if (wanted.includes('first')) {
    const t0 = Date.now();
    await makeClip(mediaDir, CHANNEL.file);
    console.log(`[sources] clip.mp4 made in ${fmt((Date.now() - t0) / 1000)} s`);
    outputs.push(`[f=mpegts]udp://127.0.0.1:${udpPort}?pkt_size=1316`);
    const peer = aptPeer('srt-live-transmit', 'srt-tools');
    if (peer.ok) {
      srtBin = peer.dir;
      outputs.push(`[f=mpegts]udp://127.0.0.1:${relayInPort}?pkt_size=1316`);
    } else skipped['srt'] = peer.reason;
  }
  const sourceOptions = { clock: 'media' as const, outputs, kbps: Number(values.kbps), gop: 30 };
  args = sourceArgs(sourceOptions);
  source = await startSource(sourceOptions);

  if (wanted.includes('cpu')) {
    for (const mode of ['remux', 'transcode'] as const) {
      try {
        cpu[mode] = await measureCpu(mode, `udp://127.0.0.1:${cpuPort}`, source.child.pid!, seconds, repeats);
        const w = cpu[mode]!;
        console.log(`[sources] ${mode}: channel ${w.map((x) => fmt(x.channel * 100)).join(', ')} % of a core; source ffmpeg ${w.map((x) => fmt(x.source * 100)).join(', ')} %`);
      } catch (err) {
        skipped[mode] = (err as Error).message.slice(0, 400);
      }
    }
  }

  if (wanted.includes('first')) {
    // Started only now so that it costs nothing during the CPU windows.
    if (srtBin) relay = await startSrtRelay(srtBin, relayInPort, srtPort);
    // Debug lines carry the ffmpeg command; JSON so watch.ts can read the times.
    const env = { LOG_LEVEL: process.env['LOG_LEVEL'], LOG_FORMAT: process.env['LOG_FORMAT'] };
    process.env['LOG_LEVEL'] = 'debug';
    process.env['LOG_FORMAT'] = 'json';
    const channels = [{ id: CHANNEL.udp, source: `udp://127.0.0.1:${udpPort}` }, ...(relay ? [{ id: CHANNEL.srt, source: relay.url }] : [])];
    try {
      pushcast = await startPushcast({ mediaDir, config: { idleStopMs: IDLE_STOP_MS, channels } });
    } finally {
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    const log = new ServerLog(pushcast);
    watch = new ChildWatch(pushcast.pid);
    browser = await launchChromium();
    await sleep(2000); // the file channel's boot-time probe (Channel.prime) is done
    const names: SourceName[] = ['file', 'udp', ...(relay ? ['srt' as const] : [])];
    for (let r = 0; r < repeats; r++) {
      for (const name of names) {
        const id = CHANNEL[name];
        // Cold means nothing runs for any channel: no ffprobe, no ffmpeg under the server.
        const wasIdle = await waitIdle(watch, IDLE_STOP_MS + 10_000);
        await sleep(500);
        const c = await firstFrameMs(browser, `${pushcast.url}/watch/${id}`);
        const w = await firstFrameMs(browser, `${pushcast.url}/watch/${id}`);
        (cold[name] ??= []).push({ firstFrameMs: c.ms, wasIdle, ...phasesOf(log, watch, id, c.openedAt, c.shownAt) });
        (warm[name] ??= []).push(w.ms);
        const cmd = log.first(id, 'ffmpeg command', 0)?.fields['command'];
        if (typeof cmd === 'string') commands[id] ??= cmd.replace(tmp, '$TMP');
        const p = cold[name]!.at(-1)!;
        console.log(`[sources] repeat ${r + 1}/${repeats} ${name}: cold ${fmt(c.ms)} ms (probe at ${fmt(p.probeStartMs)}, ffmpeg at ${fmt(p.ffmpegSpawnMs)}, init at ${fmt(p.initMs)})${wasIdle ? '' : ' [was not idle]'}, warm ${fmt(w.ms)} ms`);
      }
    }
  }
} finally {
  watch?.stop();
  await browser?.close().catch(() => {});
  await pushcast?.close().catch(() => {});
  await relay?.close().catch(() => {});
  await source?.close().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}

const med = (xs: ReadonlyArray<number | null>): number => median(xs.filter((x): x is number => x !== null && Number.isFinite(x)));
const span = (xs: ReadonlyArray<number | null>): string => {
  const ok = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return ok.length ? `${fmt(Math.min(...ok))}–${fmt(Math.max(...ok))}` : '—';
};

// Cores are printed as % of one core: a remuxed channel uses a few hundredths of one.
const pct = (x: number): number => x * 100;
const cpuRows: string[][] = [['channel (median of windows)', 'channel, % core', 'server', 'its ffmpeg', 'source ffmpeg', 'viewer kbit/s', 'server RSS MB']];
for (const [mode, w] of Object.entries(cpu)) {
  const m = (f: (x: CpuWindow) => number): string => fmt(med(w.map(f)));
  cpuRows.push([mode, m((x) => pct(x.channel)), m((x) => pct(x.server)), m((x) => pct(x.ffmpeg)), m((x) => pct(x.source)), m((x) => x.viewerKbps), m((x) => x.serverRssMB)]);
}
if (cpuRows.length > 1) printTable(`sources: CPU per channel (% of one core), ${repeats} × ${seconds} s, ${values.kbps} kbit/s 720p30 H.264/AAC over UDP, 1 WebSocket viewer`, cpuRows);

/** A cold start's phases as durations: navigation → join, the probe, ffmpeg → init, init → shown. */
const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
const ffRows: string[][] = [['source (median of repeats, ms)', 'cold first frame', 'cold min–max', 'warm first frame', 'cold: page+join', 'ffprobe', 'ffmpeg → init', 'init → shown']];
for (const [name, runs] of Object.entries(cold)) {
  const file = name === 'file';
  ffRows.push([
    name, fmt(med(runs.map((r) => r.firstFrameMs))), span(runs.map((r) => r.firstFrameMs)), fmt(med(warm[name as SourceName] ?? [])),
    fmt(med(runs.map((r) => (file ? r.ffmpegSpawnMs : r.probeStartMs)))),
    file ? 'n/a (at boot)' : fmt(med(runs.map((r) => diff(r.ffmpegSpawnMs, r.probeStartMs)))),
    fmt(med(runs.map((r) => diff(r.initMs, r.ffmpegSpawnMs)))), fmt(med(runs.map((r) => diff(r.shownMs, r.initMs)))),
  ]);
}
if (ffRows.length > 1) printTable(`sources: first viewer to first frame, ${repeats} repeats, Chromium, 1 s GOP, loopback`, ffRows);
for (const [k, why] of Object.entries(skipped)) console.log(`skipped ${k}: ${why}`);

writeResult({
  bench: 'sources',
  startedAt,
  machine: machine(),
  versions: {
    ffmpeg: versionOf(FFMPEG, '-version'),
    chromium: versionOf('/usr/bin/chromium'),
    'srt-live-transmit': srtBin ? srtVersion(srtBin) : null,
  },
  options: {
    ...values,
    sourceArgs: args.map((a) => a.replace(REPO_ROOT, '.')),
    clipArgs: clipArgs('clip.mp4'),
    idleStopMs: IDLE_STOP_MS,
  },
  skipped,
  results: {
    cpu, cold, warm, commands,
    medians: {
      cpu: Object.fromEntries(cpuRows.slice(1).map((r) => [r[0], Object.fromEntries(cpuRows[0]!.slice(1).map((h, i) => [h, r[i + 1]]))])),
      firstFrame: Object.fromEntries(ffRows.slice(1).map((r) => [r[0], Object.fromEntries(ffRows[0]!.slice(1).map((h, i) => [h, r[i + 1]]))])),
    },
  },
});
