/**
 * `npm run bench:sync [-- --viewers 3 --seconds 30 --commands 10]`
 *
 * Starts pushcast on loopback with a control token and a generated 60 s sample clip (or MEDIA_DIR,
 * channel --channel), opens the dashboard and --viewers viewers of one file channel in the system
 * Chromium, and prints:
 *  - inter-viewer drift: every 200 ms for --seconds, each viewer's currentTime against the first
 *    viewer's (corrected for the time between the two readings), p50 / p95 / max;
 *  - command-to-effect delays for --commands rounds of pause, play and seek sent from the dashboard:
 *    from Date.now() in the dashboard right before the click to Date.now() in the viewer page when
 *    the effect shows (video paused; playing again; a decoded frame at the seek target), polled
 *    every 10 ms; each round counts its slowest viewer; p50 / max;
 * then one JSON summary line. Numbers, not a pass/fail test: targets are drift p95 ≤ 100 ms,
 * pause / play ≤ 500 ms, seek ≤ 1 s.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { DEFAULTS } from '../server/runtime/config.js';
import { locateFfmpeg } from '../server/ffmpeg/locate.js';
import { createLogger } from '../server/runtime/log.js';
import { generateSample } from '../server/sample-media.js';
import { createApp } from '../server/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { tempDir } from '../test/helpers/server.js';
import { settled as settledWithin } from '../test/helpers/viewer-page.js';

/** Until the viewer plays in sync by the policy (test/helpers/viewer-page.ts), 30 s at most. */
const settled = (page: Page): Promise<void> => settledWithin(page, 30_000);

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '30' },
    commands: { type: 'string', default: '10' },
    channel: { type: 'string', default: 'sample' },
  },
});
const viewerCount = Math.max(2, Number(values.viewers));
const seconds = Math.max(5, Number(values.seconds));
const rounds = Math.max(1, Number(values.commands));
const channel = values.channel;
const TOKEN = 'bench-sync-token';

interface Stats {
  state: string;
  driftMs: number | null;
  position: number | null;
  epoch: number | null;
  syncJumps: number;
  droppedFrames: number;
  totalFrames: number;
  errors: Array<{ code: string }>;
}

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const round1 = (x: number): number => Math.round(x * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as unknown as { player: { stats(): Stats } }).player.stats());
const sample = (page: Page): Promise<{ t: number; at: number; paused: boolean }> =>
  page.evaluate(() => {
    const v = document.querySelector('video')!;
    return { t: v.currentTime, at: Date.now(), paused: v.paused };
  });

/**
 * Runs `trigger` in the dashboard (it returns its send time) and `seen` in every viewer (it returns
 * the viewer's Date.now() when the effect showed); the slowest viewer's delay, ms.
 */
async function measure(dash: Page, viewers: Page[], trigger: (page: Page) => Promise<number>, seen: (viewer: Page) => Promise<number>): Promise<number> {
  const sent = await trigger(dash);
  const times = await Promise.all(viewers.map(seen));
  return Math.max(...times) - sent;
}

/** waitForFunction's truthy result: the page's Date.now() when the condition held (polled every 10 ms). */
const POLL = { polling: 10, timeout: 10_000 } as const;
const when = async (handle: Promise<{ jsonValue(): Promise<unknown> }>): Promise<number> => (await (await handle).jsonValue()) as number;

const click = (action: string) => (dash: Page): Promise<number> =>
  dash.evaluate(([ch, act]) => {
    const el = document.querySelector<HTMLElement>(`tr[data-channel="${ch}"] [data-action="${act}"]`)!;
    const t = Date.now();
    el.click();
    return t;
  }, [channel, action] as const);

const seekTo = (position: number) => (dash: Page): Promise<number> =>
  dash.evaluate(([ch, pos]) => {
    const bar = document.querySelector<HTMLInputElement>(`tr[data-channel="${ch}"] [data-action="seek"]`)!;
    bar.value = String(pos);
    const t = Date.now();
    bar.dispatchEvent(new Event('change'));
    return t;
  }, [channel, position] as const);

const log = createLogger('bench');
const ffmpeg = await locateFfmpeg(process.env['FFMPEG_PATH'] ?? null);
const media = tempDir('pushcast-bench-');
if (!process.env['MEDIA_DIR']) await generateSample({ ffmpeg: ffmpeg.ffmpeg, file: path.join(media.dir, `${channel}.mp4`), durationSec: 60 });
const app = createApp({
  config: { ...DEFAULTS, host: '127.0.0.1', port: 0, dataDir: ':memory:', mediaDir: process.env['MEDIA_DIR'] ?? media.dir, webDir: path.resolve('dist/web'), controlToken: TOKEN },
  ffmpeg,
  log,
});
const { url } = await app.listen();
const browser = await launchChromium();
try {
  const dash = await browser.newPage();
  await dash.goto(`${url}/dashboard#token=${TOKEN}`);
  await dash.waitForSelector(`tr[data-channel="${channel}"]`, { timeout: 15_000 });
  const viewers: Page[] = [];
  for (let i = 0; i < viewerCount; i++) {
    const page = await browser.newPage();
    await page.goto(`${url}/watch/${encodeURIComponent(channel)}`);
    viewers.push(page);
  }
  for (const v of viewers) await settled(v);

  // ---- inter-viewer drift ----
  const drift: number[] = [];
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    const samples = [];
    for (const v of viewers) samples.push(await sample(v));
    const [first, ...rest] = samples;
    for (const s of rest) {
      if (first!.paused || s.paused) continue;
      drift.push(Math.abs((s.t - first!.t - (s.at - first!.at) / 1000) * 1000));
    }
    await sleep(200);
  }

  // ---- command → effect ----
  const pauses: number[] = [];
  const plays: number[] = [];
  const seeks: number[] = [];
  for (let i = 0; i < rounds; i++) {
    pauses.push(await measure(dash, viewers, click('toggle'), (v) => when(v.waitForFunction(() => document.querySelector('video')!.paused && Date.now(), undefined, POLL))));
    await sleep(700);
    const frozen = (await sample(viewers[0]!)).t;
    plays.push(await measure(dash, viewers, click('toggle'), (v) => when(v.waitForFunction((from) => {
      const video = document.querySelector('video')!;
      return !video.paused && video.currentTime > from + 0.01 && Date.now();
    }, frozen, POLL))));
    await sleep(700);
    const before = await stats(viewers[0]!);
    const target = 5 + ((i * 17) % 45); // spread over the clip, away from its ends
    // Shown: the new timeline, a decoded frame at the target (the channel moves on from it), no seek pending.
    seeks.push(await measure(dash, viewers, seekTo(target), (v) => when(v.waitForFunction(([epoch, pos]) => {
      const s = (window as unknown as { player: { stats(): Stats } }).player.stats();
      const video = document.querySelector('video')!;
      return s.epoch !== epoch && s.position !== null && s.position >= pos - 0.1 && s.position < pos + 1 && video.readyState >= 2 && !video.seeking && Date.now();
    }, [before.epoch, target] as const, POLL))));
    for (const v of viewers) await settled(v);
  }
  const finals = await Promise.all(viewers.map(stats));

  console.log(`\npushcast sync benchmark — ${ffmpeg.version.split(' ').slice(0, 3).join(' ')}, channel "${channel}", ${viewerCount} viewers, ${seconds} s, ${rounds} rounds of commands, loopback`);
  console.log(`inter-viewer drift (${drift.length} samples vs viewer 1):`);
  console.log(`  p50 ${round1(pct(drift, 50))} ms   p95 ${round1(pct(drift, 95))} ms   max ${round1(Math.max(...drift))} ms`);
  console.log('command → effect on every viewer (slowest viewer per command):');
  for (const [name, list] of [['pause', pauses], ['play', plays], ['seek', seeks]] as const) {
    console.log(`  ${name.padEnd(6)} p50 ${Math.round(pct(list, 50))} ms   max ${Math.round(Math.max(...list))} ms   (n=${list.length})`);
  }
  console.log(`per viewer: sync jumps ${finals.map((s) => s.syncJumps).join('/')}, dropped frames ${finals.map((s) => `${s.droppedFrames}/${s.totalFrames}`).join(' ')}, errors ${finals.reduce((n, s) => n + s.errors.length, 0)}`);
  console.log(JSON.stringify({
    bench: 'sync', viewers: viewerCount, seconds, rounds,
    driftP50Ms: round1(pct(drift, 50)), driftP95Ms: round1(pct(drift, 95)), driftMaxMs: round1(Math.max(...drift)),
    pauseP50Ms: pct(pauses, 50), pauseMaxMs: Math.max(...pauses),
    playP50Ms: pct(plays, 50), playMaxMs: Math.max(...plays),
    seekP50Ms: pct(seeks, 50), seekMaxMs: Math.max(...seeks),
  }));
} finally {
  await browser.close();
  await app.close();
  media.remove();
}
