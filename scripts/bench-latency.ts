/**
 * `npm run bench:latency [-- --viewers 4 --seconds 30 --channel test]`
 *
 * Starts pushcast on loopback, opens viewers in the system Chromium and prints:
 *  - time to first frame, from WebSocket open to the first rendered video frame, for the first
 *    viewer (cold: ffmpeg starts for it) and for the others (warm: the channel is running);
 *  - delay behind live (the player's prft-based estimate) sampled every 200 ms for --seconds,
 *    p50 / p95 / max over all viewers, plus stalls, jumps and dropped frames.
 * Numbers, not a pass/fail test: targets are first frame ≤ 300 ms, delay p50 ≤ 0.5 s, p95 ≤ 0.8 s.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { DEFAULTS } from '../server/runtime/config.js';
import { locateFfmpeg } from '../server/ffmpeg/locate.js';
import { createLogger } from '../server/runtime/log.js';
import { createApp } from '../server/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { tempDir } from '../test/helpers/server.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '30' },
    channel: { type: 'string', default: 'test' },
  },
});
const viewers = Math.max(1, Number(values.viewers));
const seconds = Math.max(5, Number(values.seconds));

interface Stats {
  state: string;
  delaySec: number | null;
  firstFrameMs: number | null;
  stalls: number;
  jumps: number;
  droppedFrames: number;
  totalFrames: number;
  bitrateBps: number | null;
  errors: Array<{ code: string }>;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (s: number): string => `${Math.round(s * 1000)} ms`;

async function firstFrame(page: Page): Promise<Stats> {
  await page.waitForFunction(() => {
    const p = (window as unknown as { player?: { stats(): Stats } }).player;
    return p !== undefined && p.stats().firstFrameMs !== null;
  }, undefined, { timeout: 30_000 });
  return stats(page);
}
const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as unknown as { player: { stats(): Stats } }).player.stats());

const log = createLogger('bench');
const ffmpeg = await locateFfmpeg(process.env['FFMPEG_PATH'] ?? null);
const media = tempDir('pushcast-bench-');
const app = createApp({
  config: { ...DEFAULTS, host: '127.0.0.1', port: 0, dataDir: ':memory:', mediaDir: process.env['MEDIA_DIR'] ?? media.dir, webDir: path.resolve('dist/web') },
  ffmpeg,
  log,
});
const { url } = await app.listen();
const browser = await launchChromium();
try {
  const pages: Page[] = [];
  const ttff: number[] = [];
  for (let i = 0; i < viewers; i++) {
    const page = await browser.newPage();
    await page.goto(`${url}/watch/${values.channel}`);
    const s = await firstFrame(page);
    ttff.push(s.firstFrameMs ?? NaN);
    pages.push(page);
  }

  const delays: number[] = [];
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 200));
    for (const page of pages) {
      const s = await stats(page);
      if (s.delaySec !== null) delays.push(s.delaySec);
    }
  }
  const finals = await Promise.all(pages.map(stats));
  delays.sort((a, b) => a - b);
  const warm = ttff.slice(1).sort((a, b) => a - b);

  console.log(`\npushcast latency benchmark — ${ffmpeg.version.split(' ').slice(0, 3).join(' ')}, channel "${values.channel}", ${viewers} viewer(s), ${seconds} s, loopback`);
  console.log(`time to first frame (ws open → first frame):`);
  console.log(`  cold (ffmpeg starts)   ${Math.round(ttff[0] ?? NaN)} ms`);
  if (warm.length) console.log(`  warm (channel running) p50 ${Math.round(pct(warm, 50))} ms, max ${Math.round(warm.at(-1) ?? NaN)} ms  (n=${warm.length})`);
  console.log(`delay behind live (${delays.length} samples):`);
  console.log(`  p50 ${ms(pct(delays, 50))}   p95 ${ms(pct(delays, 95))}   max ${ms(delays.at(-1) ?? NaN)}   min ${ms(delays[0] ?? NaN)}`);
  console.log(`per viewer: stalls ${finals.map((s) => s.stalls).join('/')}, jumps ${finals.map((s) => s.jumps).join('/')}, dropped frames ${finals.map((s) => `${s.droppedFrames}/${s.totalFrames}`).join(' ')}, errors ${finals.reduce((n, s) => n + s.errors.length, 0)}`);
  console.log(JSON.stringify({
    bench: 'latency', viewers, seconds, ttffColdMs: ttff[0], ttffWarmP50Ms: warm.length ? pct(warm, 50) : null,
    delayP50: pct(delays, 50), delayP95: pct(delays, 95), delayMax: delays.at(-1),
  }));
} finally {
  await browser.close();
  await app.close();
  media.remove();
}
