/**
 * End-to-end: links to a moment in the real Chromium with the real server and ffmpeg.
 * `/play/<file>?t=30` starts the file at 30 s from a Range request past byte 0, `#t=` works (and
 * changing it seeks), an unknown or hostile path says so on the page; `/watch/<file channel>?t=20`
 * with the control token moves the shared channel to 20 s once, and "copy link at this moment"
 * copies `/watch/<id>?t=<position>`; a viewer without the token gets "watch alone from 0:20",
 * which opens the file alone at 20 s.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../server/core/protocol.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');

/** 40 s of H.264/AAC at ~6 Mbit/s, moov first: 30 s in lies ~22 MB in, far past what a metadata load reads. */
async function makeClip(ffmpegPath: string, file: string): Promise<void> {
  await promisify(execFile)(ffmpegPath, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=40', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=40',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '6M', '-minrate', '6M', '-maxrate', '6M',
    '-bufsize', '2M', '-x264-params', 'nal-hrd=cbr', '-c:a', 'aac', '-movflags', '+faststart', '-shortest', file,
  ], { timeout: 120_000 });
}

const currentTime = (page: Page): Promise<number> => page.evaluate(() => document.querySelector('video')!.currentTime);

/** Waits until the /play/ page started (seeked to its t) and plays on past `sec`. */
async function playsFrom(page: Page, sec: number): Promise<void> {
  await page.waitForSelector('body[data-state="started"]', { timeout: 30_000 });
  expect(await currentTime(page)).toBeGreaterThanOrEqual(sec - 0.1);
  await page.waitForFunction((s) => document.querySelector('video')!.currentTime > s + 0.5, sec, { timeout: 20_000 });
  expect(await currentTime(page)).toBeLessThan(sec + 10); // from there, not from 0 wrapped or far beyond
}

/** The channel's file position now, from GET /api/channels/<id>. */
async function channelPosition(base: string, id: string): Promise<number> {
  const info = (await (await fetch(`${base}/api/channels/${id}`)).json()) as ChannelInfo;
  const moving = info.playing && info.status === 'running';
  return (info.position ?? 0) + (moving ? (info.serverTime - info.positionAt) / 1000 : 0);
}

describe.skipIf(!ffmpeg || !browserOk)('links to a moment in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const media = tempDir();
  const pageErrors: string[] = [];
  const open = async (url: string): Promise<Page> => {
    const page = await browser.newPage(); // a fresh context each: no token left in localStorage
    page.on('pageerror', (err) => pageErrors.push(`${url}: ${err.message}`));
    await page.goto(`${server.url}${url}`);
    return page;
  };

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'play.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    await makeClip(ffmpeg!.ffmpeg, path.join(media.dir, 'clip.mp4')); // before the start: the channel "clip"
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: WEB_DIR, cacheDir: path.join(media.dir, '.cache') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    media.remove();
  });

  it('/play/<file>?t=30 starts at 30 s, asking for the bytes from there', async () => {
    const page = await browser.newPage();
    const ranges: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/vod/clip.mp4') ranges.push(req.headers()['range'] ?? '(none)');
    });
    await page.goto(`${server.url}/play/clip.mp4?t=30`);
    await playsFrom(page, 30);
    // The bytes came from about 30/40 of the way in (a constant bitrate), not from a read from 0.
    const size = statSync(path.join(media.dir, 'clip.mp4')).size;
    const starts = ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1] ?? 0));
    expect(starts.some((b) => b > size * 0.6 && b < size * 0.85), ranges.join(' ')).toBe(true);
    expect(await page.textContent('#start-at')).toBe('from 0:30');
    await page.close();
  });

  it('#t= works too, and changing it seeks', async () => {
    const page = await open('/play/clip.mp4#t=12');
    await playsFrom(page, 12);
    await page.evaluate(() => {
      location.hash = '#t=0:25';
    });
    await page.waitForFunction(() => document.querySelector('video')!.currentTime >= 25, undefined, { timeout: 20_000 });
    await page.close();
  });

  it.each([
    ['/play/nope.mp4?t=5', 'Unknown file: nope.mp4'],
    ['/play/..%2f..%2fetc%2fpasswd', 'Not a media path'],
  ])('%s says so on the page', async (url, message) => {
    const page = await open(url);
    await page.waitForSelector('body[data-state="failed"]', { timeout: 15_000 });
    expect(await page.textContent('#notice')).toContain(message);
    await page.close();
  });

  it('/watch/<file channel>?t=20 with the token moves the channel there; copy link copies the moment', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      // A clipboard that records what it was given (headless Chromium's real one needs permissions).
      const w = window as unknown as { copied?: string };
      Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (text: string) => void (w.copied = text) } });
    });
    page.on('pageerror', (err) => pageErrors.push(`watch: ${err.message}`));
    const openedAt = Date.now();
    await page.goto(`${server.url}/watch/clip?t=20#token=${encodeURIComponent(server.app.controlToken)}`);
    await page.waitForFunction(() => document.querySelector('#moment-status')?.textContent === 'moved the channel to 0:20', undefined, { timeout: 20_000 });
    const position = await channelPosition(server.url, 'clip');
    expect(position).toBeGreaterThanOrEqual(19.5);
    expect(position).toBeLessThan(20 + (Date.now() - openedAt) / 1000 + 1);
    expect(await page.evaluate(() => location.search)).toBe(''); // a reload does not move everyone again

    // The page's own picture follows, then its position is what the copied link carries.
    await page.waitForFunction(() => {
      const p = (window as unknown as { player: { stats(): { position: number | null } } }).player.stats().position;
      return p !== null && p >= 20;
    }, undefined, { timeout: 20_000 });
    await page.click('#copy-moment');
    await page.waitForFunction(() => document.querySelector('#moment-status')?.textContent === 'copied', undefined, { timeout: 5_000 });
    const copied = await page.evaluate(() => (window as unknown as { copied?: string }).copied ?? '');
    const m = new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/watch/clip\\?t=(\\d+)$`).exec(copied);
    expect(m, copied).not.toBeNull();
    expect(Math.abs(Number(m![1]) - (await channelPosition(server.url, 'clip')))).toBeLessThan(3);
    await page.close();
  });

  it('a viewer without the token gets "watch alone from 0:20", which plays the file alone from there', async () => {
    const page = await open('/watch/clip?t=20');
    const link = await page.waitForSelector('#watch-alone:not([hidden])', { timeout: 20_000 });
    expect(await link.getAttribute('href')).toBe('/play/clip.mp4?t=20');
    expect(await link.textContent()).toBe('watch alone from 0:20');
    expect(await page.evaluate(() => location.search)).toBe('?t=20');
    await Promise.all([page.waitForURL('**/play/clip.mp4?t=20'), link.click()]);
    await playsFrom(page, 20);
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
