/**
 * End-to-end: the real server, ffmpeg, the built dashboard and the real Chromium. A video file set
 * on the dashboard's file input goes up over tus with the progress bar: on an upload throttled to
 * ~400 KB/s (DevTools network emulation) the bar moves through intermediate values with a speed
 * and a time left, a pause shows the upload as unfinished on the server (and in the panel's list),
 * resume continues it, the bar reaches 100 %, the outcome names the new channel and its row
 * appears in the channel table; a non-video file is refused with its code shown.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');
const TOKEN = 'e2e-upload-token';
/** Bytes per second the emulated network lets the page upload. */
const UPLOAD_BPS = 400_000;

const percent = (page: Page): Promise<number> => page.$eval('#upload-progress', (el) => (el as HTMLProgressElement).value);

describe.skipIf(!ffmpeg || !browserOk)('upload from the dashboard in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const work = tempDir('pushcast-e2e-upload-');
  const mediaDir = path.join(work.dir, 'media');
  const video = path.join(work.dir, 'Field trip.mp4');
  const junk = path.join(work.dir, 'junk.mp4');

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'dashboard.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    mkdirSync(mediaDir);
    // About 1.7 MB: a few seconds through the throttled network.
    execFileSync(ffmpeg!.ffmpeg, [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=10', '-f', 'lavfi', '-i', 'sine=duration=10',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '8', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-shortest', '-movflags', '+faststart', video,
    ]);
    writeFileSync(junk, Buffer.alloc(200_000, 7));
    server = await startTestServer(ffmpeg!, { mediaDir, webDir: WEB_DIR, controlToken: TOKEN, testPattern: false });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    work.remove();
  });

  it('uploads with progress, pause and resume, and the channel appears', async () => {
    const size = statSync(video).size;
    expect(size).toBeGreaterThan(3 * UPLOAD_BPS); // else the throttle would not show progress
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 5, downloadThroughput: -1, uploadThroughput: UPLOAD_BPS });
    await page.goto(`${server.url}/dashboard#token=${TOKEN}`);
    await page.waitForSelector('#uploads', { state: 'visible' });
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'connected');

    await page.setInputFiles('#upload-file', video);
    await page.waitForSelector('#upload-current', { state: 'visible' });
    expect(await page.textContent('#upload-name')).toBe('Field trip.mp4');
    // Somewhere in the middle: a speed and a time left.
    await page.waitForFunction(() => {
      const v = (document.querySelector('#upload-progress') as HTMLProgressElement).value;
      return v >= 10 && v < 60 && /\/s · .* left$/.test(document.querySelector('#upload-stats')?.textContent ?? '');
    }, undefined, { timeout: 20_000, polling: 50 });
    expect(await page.textContent('#upload-stats')).toMatch(/^[\d.]+ (KiB|MiB) of [\d.]+ MiB · \d+ % · /);

    await page.click('#upload-pause');
    await page.waitForFunction(() => document.querySelector('#uploads')?.getAttribute('data-state') === 'paused');
    const paused = await percent(page);
    expect(paused).toBeLessThan(100);
    // The server holds the unfinished upload; the panel lists it with the Resume/Discard buttons.
    await page.waitForSelector('#unfinished tbody tr', { timeout: 10_000 });
    expect(await page.textContent('#unfinished tbody tr td')).toBe('Field trip.mp4');
    const listed = await (await fetch(`${server.url}/api/uploads`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json() as { uploads: Array<{ filename: string; offset: number; size: number }> };
    expect(listed.uploads).toHaveLength(1);
    expect(listed.uploads[0]!.filename).toBe('Field trip.mp4');
    expect(listed.uploads[0]!.offset).toBeGreaterThan(0);
    expect(listed.uploads[0]!.offset).toBeLessThan(size);
    expect(readdirSync(mediaDir)).toEqual([]); // a partial upload is no media file, no channel

    await page.click('#upload-resume');
    await page.waitForFunction(() => (document.querySelector('#upload-progress') as HTMLProgressElement).value === 100, undefined, { timeout: 30_000 });
    await page.waitForSelector('#upload-outcome[data-outcome="ok"]', { timeout: 15_000 });
    expect(await page.textContent('#upload-outcome')).toContain('channel Field-trip created');
    expect(await page.textContent('#upload-stats')).toMatch(/ · 100 %$/);
    await page.waitForSelector('tr[data-channel="Field-trip"]', { timeout: 10_000 });
    expect(readdirSync(mediaDir)).toEqual(['Field-trip.mp4']);
    expect(statSync(path.join(mediaDir, 'Field-trip.mp4')).size).toBe(size);
    await page.waitForFunction(() => document.querySelectorAll('#unfinished tbody tr').length === 0);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows why a file that is not a video is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/dashboard#token=${TOKEN}`);
    await page.waitForSelector('#uploads', { state: 'visible' });
    await page.setInputFiles('#upload-file', junk);
    await page.waitForSelector('#upload-outcome[data-outcome="error"]', { timeout: 15_000 });
    expect(await page.textContent('#upload-outcome')).toMatch(/^Refused \(UPLOAD_NOT_VIDEO\): not a video file/);
    expect(readdirSync(mediaDir).filter((n) => n.startsWith('junk'))).toEqual([]);
    expect(readdirSync(path.join(server.app.store.db.name, '..', 'uploads'))).toEqual([]);
    await page.close();
  }, 30_000);
});
