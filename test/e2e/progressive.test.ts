/**
 * End-to-end: the progressive fallback in the real Chromium with Media Source Extensions removed
 * before any page script runs. A file channel must play from /vod/ (currentTime advances), a seek
 * far ahead of what is buffered must go out as a Range request answered 206 and playback must go
 * on after it; the "progressive" badge shows and stats().mode says so. A live channel without MSE
 * shows a clear message instead. With MSE present, a browser that cannot take the channel's codecs
 * (UNSUPPORTED_CODEC) and a WebSocket that keeps failing both fall back too; a Matroska file plays
 * from its generated MP4 copy once the server stops answering 202.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../server/core/protocol.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');
const run = promisify(execFile);

/**
 * Seconds. Chromium reads about 10 s of media ahead of the playhead (at least 2 MiB, plus 1 MiB),
 * so a seek must land beyond that to need a new Range request. At 6 Mbit/s those 10 s are ~8 MB;
 * 40 s leave room for a jump past them from wherever the channel's position starts us, and for
 * some playback after it.
 */
const CLIP_SEC = 40;

/**
 * An H.264/AAC clip at a constant 6 Mbit/s (x264 pads with filler), moov first. The sample clip
 * (server/sample-media.ts) is ~1.5 Mbit/s: Chromium would read most of it ahead, leaving no
 * unbuffered place to seek to.
 */
async function makeClip(ffmpegPath: string, file: string, durationSec = CLIP_SEC): Promise<void> {
  await run(ffmpegPath, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${durationSec}`,
    '-f', 'lavfi', '-i', `sine=frequency=660:sample_rate=48000:duration=${durationSec}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30',
    '-b:v', '6M', '-minrate', '6M', '-maxrate', '6M', '-bufsize', '2M', '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '128k', ...(file.endsWith('.mp4') ? ['-movflags', '+faststart'] : []), '-shortest', file,
  ], { timeout: 120_000 });
}

/** The end of the buffered range holding currentTime, seconds. */
const bufferedEnd = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const v = document.querySelector('video')!;
    for (let i = 0; i < v.buffered.length; i++) if (v.buffered.start(i) <= v.currentTime && v.currentTime <= v.buffered.end(i)) return v.buffered.end(i);
    return v.currentTime;
  });

/** What window.player.stats() reports (the subset read here). */
interface Stats {
  state: string;
  mode: string | null;
  currentTime: number;
  errors: Array<{ code: string; message: string; fatal: boolean }>;
}

/** Runs before the page's scripts: a browser without Media Source Extensions. */
function removeMse(): void {
  const w = window as unknown as Record<string, unknown>;
  delete w['MediaSource'];
  delete w['ManagedMediaSource'];
  delete w['WebKitMediaSource'];
}

async function channelInfo(base: string, id: string): Promise<ChannelInfo> {
  const res = await fetch(`${base}/api/channels/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ChannelInfo;
}

const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as unknown as { player: { stats(): Stats } }).player.stats());

/** One condition on a field of player.stats(): equal to, or greater than, a value. */
type StatsCheck = readonly [field: string, op: '===' | '>', value: string | number];

/**
 * Waits until every check holds on `player.stats()` in the page. Playwright's function form is
 * used (evaluated over CDP): the pages' CSP forbids eval, which the string form needs.
 */
async function waitForStats(page: Page, checks: readonly StatsCheck[], timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (all) => {
      const p = (window as unknown as { player?: { stats(): Record<string, unknown> } }).player;
      if (!p) return false;
      const s = p.stats();
      return all.every(([k, op, v]) => (op === '===' ? s[k] === v : (s[k] as number) > (v as number)));
    },
    checks,
    { timeout },
  );
}

/** currentTime after `ms` of wall time minus before: how far playback went. */
/**
 * How far playback moved in `ms` of wall time, in seconds. The fallback loops the file like the
 * channel, so a wrap past the end counts as progress (the file's duration is added back).
 */
async function advance(page: Page, ms: number): Promise<number> {
  const before = (await stats(page)).currentTime;
  await page.waitForTimeout(ms);
  const after = (await stats(page)).currentTime;
  if (after >= before) return after - before;
  const duration = await page.evaluate(() => document.querySelector('video')!.duration);
  return after + duration - before;
}

describe.skipIf(!ffmpeg || !browserOk)('progressive fallback in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const media = tempDir();

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'watch.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    // Before the server starts, so the media folder scan makes it the channel "clip".
    await makeClip(ffmpeg!.ffmpeg, path.join(media.dir, 'clip.mp4'));
    // Matroska: no browser plays it from /vod/ as is; the server makes an MP4 copy on demand.
    await makeClip(ffmpeg!.ffmpeg, path.join(media.dir, 'other.mkv'), 6);
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: WEB_DIR, cacheDir: path.join(media.dir, '.cache') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    media.remove();
  });

  it('plays a file channel from /vod/ without MSE, and a seek is a 206 Range request', async () => {
    const page = await browser.newPage();
    await page.addInitScript(removeMse);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const vodResponses: Array<{ at: number; status: number; range: string | undefined; url: string }> = [];
    page.on('response', (res: Response) => {
      if (!new URL(res.url()).pathname.startsWith('/vod/')) return;
      vodResponses.push({ at: Date.now(), status: res.status(), range: res.request().headers()['range'], url: res.url() });
    });

    // Put the idle channel somewhere recognisable: nobody watches it over WebSocket, so it stands
    // still there (progressive viewers do not join), and the fallback must start exactly there.
    const PLACED = 8;
    const seek = await fetch(`${server.url}/api/channels/clip/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.app.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'seek', position: PLACED }),
    });
    expect(seek.status).toBe(200);
    const loadedAt = Date.now();
    await page.goto(`${server.url}/watch/clip`);
    expect(await page.evaluate(() => 'MediaSource' in window || 'ManagedMediaSource' in window)).toBe(false);
    await waitForStats(page, [['state', '===', 'playing'], ['currentTime', '>', 0]]);
    expect(await advance(page, 2_000)).toBeGreaterThan(1);

    // It started where the channel is and played on from there: PLACED plus at most the time
    // since the page loaded (a start from 0 would be 8 s off).
    const [s, info] = await Promise.all([stats(page), channelInfo(server.url, 'clip')]);
    expect(info.status).toBe('idle');
    expect(info.position).toBeCloseTo(PLACED, 3);
    const played = (((s.currentTime - PLACED) % CLIP_SEC) + CLIP_SEC) % CLIP_SEC;
    expect(played).toBeGreaterThan(1);
    expect(played).toBeLessThan((Date.now() - loadedAt) / 1000 + 0.3);
    expect(s.mode).toBe('progressive');
    expect(s.errors.filter((e) => e.fatal)).toEqual([]);
    expect(await page.isVisible('#mode-badge')).toBe(true);
    expect(await page.textContent('#mode-badge')).toBe('progressive');
    const src = await page.evaluate(() => document.querySelector('video')!.src);
    expect(new URL(src).pathname).toBe('/vod/clip.mp4');

    // Far ahead of what Chromium has read: the bytes must come from a new Range request.
    // Past what Chromium has read ahead: those bytes can only come from a new Range request.
    const target = Math.max(s.currentTime, await bufferedEnd(page)) + 4;
    expect(target).toBeLessThan(CLIP_SEC - 3);
    const seekAt = Date.now();
    await page.evaluate(async (t) => {
      const v = document.querySelector('video')!;
      const seeked = new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
      v.currentTime = t;
      await seeked;
    }, target);
    const afterSeek = vodResponses.filter((r) => r.at >= seekAt);
    expect(afterSeek.some((r) => r.status === 206 && r.range !== undefined && !/^bytes=0-/.test(r.range))).toBe(true);
    expect(await advance(page, 2_000)).toBeGreaterThan(1);
    const end = await stats(page);
    expect(end.currentTime).toBeGreaterThan(target);
    expect(end.state).toBe('playing');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('shows a clear message for a live channel when the browser has no MSE', async () => {
    const page = await browser.newPage();
    await page.addInitScript(removeMse);
    await page.goto(`${server.url}/watch/test`);
    await waitForStats(page, [['state', '===', 'error']], 10_000);
    const s = await stats(page);
    expect(s.errors).toContainEqual({ code: 'NO_MSE', message: 'This browser cannot play live channels (no Media Source Extensions)', fatal: true });
    expect(s.mode).toBeNull();
    expect(await page.isVisible('#notice')).toBe(true);
    expect(await page.textContent('#notice')).toBe('This browser cannot play live channels (no Media Source Extensions)');
    expect(await page.isVisible('#mode-badge')).toBe(false);
    await page.close();
  });

  it('falls back when MSE cannot take the channel codecs (UNSUPPORTED_CODEC)', async () => {
    const page = await browser.newPage();
    // MSE is there but refuses H.264, so `hello` lists audio codecs only.
    await page.addInitScript(() => {
      const original = MediaSource.isTypeSupported.bind(MediaSource);
      MediaSource.isTypeSupported = (type: string) => !/avc1/i.test(type) && original(type);
    });
    await page.goto(`${server.url}/watch/clip`);
    await waitForStats(page, [['mode', '===', 'progressive'], ['state', '===', 'playing'], ['currentTime', '>', 0]], 30_000);
    expect(await advance(page, 1_500)).toBeGreaterThan(0.5);
    const s = await stats(page);
    expect(s.errors).toContainEqual(expect.objectContaining({ code: 'UNSUPPORTED_CODEC', fatal: false }));
    expect(s.errors.filter((e) => e.fatal)).toEqual([]);
    expect(await page.isVisible('#mode-badge')).toBe(true);
    await page.close();
  });

  it('falls back after the WebSocket failed three times in a row', async () => {
    const page = await browser.newPage();
    // Every socket is accepted by Playwright and closed at once, before any message.
    await page.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1011, reason: 'test: refused' }));
    await page.goto(`${server.url}/watch/clip`);
    await waitForStats(page, [['mode', '===', 'progressive'], ['state', '===', 'playing'], ['currentTime', '>', 0]], 30_000);
    expect(await advance(page, 1_500)).toBeGreaterThan(0.5);
    const s = await stats(page);
    expect(s.errors.filter((e) => e.code === 'CONNECTION').length).toBeGreaterThanOrEqual(3);
    expect(s.errors.filter((e) => e.fatal)).toEqual([]);
    await page.close();
  });

  it('waits for the MP4 copy of a Matroska file (202 VOD_PREPARING) and plays it', async () => {
    const page = await browser.newPage();
    await page.addInitScript(removeMse);
    const statuses: number[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('/vod/other.mkv?format=mp4')) statuses.push(res.status());
    });
    await page.goto(`${server.url}/watch/other`);
    await waitForStats(page, [['state', '===', 'playing'], ['currentTime', '>', 0]], 60_000);
    expect(await advance(page, 1_000)).toBeGreaterThan(0.3);
    const src = await page.evaluate(() => document.querySelector('video')!.src);
    expect(new URL(src).pathname + new URL(src).search).toBe('/vod/other.mkv?format=mp4');
    expect(statuses[0]).toBe(202); // the first look found the copy being made
    expect(statuses).toContain(206);
    expect((await stats(page)).errors.filter((e) => e.fatal)).toEqual([]);
    await page.close();
  });
});
