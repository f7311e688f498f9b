/**
 * `npm run bench -- sync [--viewers 2] [--seconds 20] [--repeats 3] [--join-after 5]`
 *
 * Benchmark 2 of issue 12: how closely viewers of one file channel show the same picture, read from
 * the frames on screen. The channel plays a generated file whose frames carry their own media time
 * as a barcode (bench/lib/barcode.ts, 'media' clock: 1280×720, 30 fps, 1 s GOP, AAC, 90 s). Viewer 1
 * opens; --join-after s later the others open one by one. For each joiner, at every 20 ms of wall
 * clock from its first frame, the position each page shows is the code of its frame on screen plus
 * the time that frame has been up (capped at one frame), and the spread is joiner − viewer 1:
 *  - offset at the join (median of the first 300 ms),
 *  - time from the joiner's first frame until the spread stays within 40 ms for 2 s,
 *  - |spread| p50 / p95 from 3 s after the joiner's first frame to the end of --seconds.
 * Then commands over the HTTP API, command-to-effect as seen on screen, per viewer:
 *  - pause: when the last new frame was shown (0 if it froze before the command returned) and how
 *    far apart the frozen frames are;  - play: the first new frame;  - seek: the first frame from
 *    the target's neighbourhood (250 ms before it to 2 s after: the channel plays on meanwhile).
 * The player's own estimate of its drift (stats().driftMs) is printed beside the on-screen spread.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.js';
import { barcodeGraph, codeDiff, type Sample } from './lib/barcode.js';
import { openViewer, type Viewer } from './lib/page.js';
import { startPushcast, type RunningServer } from './lib/pushcast.js';
import { BENCH_DIR, machine, printTable, versionOf, writeResult } from './lib/report.js';
import { fmt, median, percentile } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '3' },
    'join-after': { type: 'string', default: '5' },
  },
});
const viewerCount = Math.max(2, Number(values.viewers));
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const joinAfterMs = Number(values['join-after']) * 1000;
const FPS = 30;
const FRAME_MS = 1000 / FPS;
const TOKEN = 'bench-sync-token-0123456789';
const CLIP = 'sync';
const startedAt = new Date().toISOString();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The 90 s barcode clip, made once into bench/.cache (gitignored with the peers). */
function clip(): string {
  const dir = path.join(BENCH_DIR, '.peers', 'media-sync');
  const file = path.join(dir, `${CLIP}.mp4`);
  if (existsSync(file)) return dir;
  mkdirSync(dir, { recursive: true });
  console.log('[sync] generating the 90 s barcode clip');
  execFileSync(process.env['FFMPEG_PATH'] ?? 'ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', barcodeGraph({ clock: 'media', fps: FPS }),
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '90',
    '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '2000k', '-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', file,
  ], { stdio: 'inherit', timeout: 600_000 });
  return dir;
}

/** Position shown at wall time t: the code of the frame on screen, plus how long it has been up (≤ 1 frame). */
function shownAt(samples: readonly Sample[], t: number): number | null {
  let lo = 0, hi = samples.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.shownAt <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return null;
  const s = samples[found]!;
  return s.code === null ? null : s.code + Math.min(t - s.shownAt, FRAME_MS);
}

interface Join {
  offsetMs: number | null;
  convergeMs: number | null;
  absP50: number;
  absP95: number;
  playerSaysP95: number | null;
}

function analyseJoin(first: readonly Sample[], joiner: readonly Sample[], joinFirstAt: number, endAt: number, own: number[]): Join {
  const grid: Array<[number, number]> = [];
  for (let t = joinFirstAt; t <= endAt; t += 20) {
    const a = shownAt(first, t), b = shownAt(joiner, t);
    if (a !== null && b !== null) grid.push([t - joinFirstAt, codeDiff(Math.round(b), Math.round(a))]);
  }
  const early = grid.filter(([dt]) => dt <= 300).map(([, d]) => d);
  let convergeMs: number | null = null;
  for (let i = 0; i < grid.length && convergeMs === null; i++) {
    const from = grid[i]![0];
    const windowOk = grid.filter(([dt]) => dt >= from && dt <= from + 2000);
    if (windowOk.length > 50 && windowOk.every(([, d]) => Math.abs(d) <= 40) && grid.at(-1)![0] >= from + 2000) convergeMs = from;
  }
  const late = grid.filter(([dt]) => dt >= 3000).map(([, d]) => Math.abs(d));
  return { offsetMs: early.length ? median(early) : null, convergeMs, absP50: percentile(late, 50), absP95: percentile(late, 95), playerSaysP95: own.length ? percentile(own.map(Math.abs), 95) : null };
}

async function command(server: RunningServer, body: object): Promise<number> {
  const at = Date.now();
  const res = await fetch(`${server.url}/api/channels/${CLIP}/commands`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`command ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
  return at;
}

interface Effects { pauseMs: number[]; frozenSpreadMs: number | null; playMs: number[]; seekMs: number[] }

async function commands(server: RunningServer, viewers: Viewer[]): Promise<Effects> {
  const all: Sample[][] = viewers.map(() => []);
  const pull = async (): Promise<void> => { for (const [i, v] of viewers.entries()) all[i]!.push(...(await v.drain())); };
  await pull();
  for (const a of all) a.length = 0;
  const pauseAt = await command(server, { type: 'pause' });
  await sleep(2000);
  await pull();
  const pauseMs = all.map((s) => Math.max(0, (s.at(-1)?.shownAt ?? pauseAt) - pauseAt));
  const frozen = all.map((s) => s.at(-1)?.code ?? null);
  const frozenSpreadMs = frozen.every((c) => c !== null) ? Math.max(...frozen.map((c) => codeDiff(c!, frozen[0]!))) - Math.min(...frozen.map((c) => codeDiff(c!, frozen[0]!))) : null;
  for (const a of all) a.length = 0;
  const playAt = await command(server, { type: 'play' });
  await sleep(3000);
  await pull();
  const playMs = all.map((s, i) => (s.find((x) => x.code !== null && x.code !== frozen[i])?.shownAt ?? Number.NaN) - playAt);
  for (const a of all) a.length = 0;
  const target = 40;
  const seekAt = await command(server, { type: 'seek', position: target });
  await sleep(4000);
  await pull();
  // The channel plays on from the target while the picture gets there: the first frame from
  // within 2 s after it (and not before it by more than 250 ms) is the seek on screen.
  const seekMs = all.map((s) => (s.find((x) => x.code !== null && codeDiff(x.code, target * 1000) >= -250 && codeDiff(x.code, target * 1000) <= 2000)?.shownAt ?? Number.NaN) - seekAt);
  return { pauseMs, frozenSpreadMs, playMs, seekMs };
}

async function oneRun(browser: Browser, mediaDir: string): Promise<{ joins: Join[]; effects: Effects }> {
  const server = await startPushcast({ mediaDir, config: { controlToken: TOKEN } });
  const viewers: Viewer[] = [];
  try {
    const url = `${server.url}/watch/${CLIP}`;
    const first = await openViewer(browser, url);
    viewers.push(first);
    if (!(await first.firstFrame(30_000))) throw new Error(`viewer 1 showed no frame: ${server.output()}`);
    await sleep(joinAfterMs);
    const kept: Sample[][] = [[]];
    const joins: Join[] = [];
    for (let j = 1; j < viewerCount; j++) {
      const v = await openViewer(browser, url);
      viewers.push(v);
      kept.push([]);
      const ff = await v.firstFrame(30_000);
      if (!ff) throw new Error(`viewer ${j + 1} showed no frame`);
      const own: number[] = [];
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
        await sleep(500);
        const d = await v.page.evaluate('window.player?.stats?.().driftMs ?? null').catch(() => null);
        if (typeof d === 'number' && Date.now() - ff.shownAt > 3000) own.push(d);
      }
      for (const [i, x] of viewers.entries()) kept[i]!.push(...(await x.drain()));
      const endAt = Math.min(...viewers.map((_, i) => kept[i]!.at(-1)?.shownAt ?? 0));
      joins.push(analyseJoin(kept[0]!, kept[j]!, ff.shownAt, endAt, own));
    }
    return { joins, effects: await commands(server, viewers) };
  } finally {
    for (const v of viewers) await v.close().catch(() => {});
    await server.close();
  }
}

const mediaDir = clip();
const browser = await launchChromium();
const runs: Array<{ joins: Join[]; effects: Effects }> = [];
try {
  for (let r = 0; r < repeats; r++) {
    const run = await oneRun(browser, mediaDir);
    runs.push(run);
    const j = run.joins[0]!;
    console.log(`[sync] repeat ${r + 1}/${repeats}: join offset ${fmt(j.offsetMs)} ms, within 40 ms after ${fmt(j.convergeMs)} ms, |spread| p95 ${fmt(j.absP95)} ms; pause ${run.effects.pauseMs.map(fmt).join('/')} ms, play ${run.effects.playMs.map(fmt).join('/')} ms, seek ${run.effects.seekMs.map(fmt).join('/')} ms`);
  }
} finally {
  await browser.close();
}

const joins = runs.flatMap((r) => r.joins);
const m = (f: (j: Join) => number | null): number => median(joins.map(f).filter((x): x is number => x !== null && !Number.isNaN(x)));
const eff = (f: (e: Effects) => number[]): number => median(runs.flatMap((r) => f(r.effects)).filter((x) => !Number.isNaN(x)));
const unconverged = joins.filter((j) => j.convergeMs === null).length;
printTable(`sync: ${viewerCount} viewers of a file channel, ${repeats} × ${seconds} s, from the frames on screen (medians)`, [
  ['metric', 'pushcast'],
  ['spread at the join, ms (joiner − first)', fmt(m((j) => j.offsetMs))],
  ['join → within 40 ms for 2 s, ms', `${fmt(m((j) => j.convergeMs))}${unconverged ? ` (${unconverged}/${joins.length} never)` : ''}`],
  ['|spread| p50 from 3 s after the join, ms', fmt(m((j) => j.absP50))],
  ['|spread| p95 from 3 s after the join, ms', fmt(m((j) => j.absP95))],
  ['player says |drift| p95, ms', fmt(m((j) => j.playerSaysP95))],
  ['pause → picture stops, ms', fmt(eff((e) => e.pauseMs))],
  ['frozen frames apart, ms', fmt(median(runs.map((r) => r.effects.frozenSpreadMs).filter((x): x is number => x !== null)))],
  ['play → picture moves, ms', fmt(eff((e) => e.playMs))],
  ['seek → target on screen, ms', fmt(eff((e) => e.seekMs))],
]);
writeResult({
  bench: 'sync', startedAt, machine: machine(),
  versions: { ffmpeg: versionOf(process.env['FFMPEG_PATH'] ?? 'ffmpeg', '-version'), chromium: versionOf('/usr/bin/chromium') },
  options: values, skipped: {}, results: { runs },
});
