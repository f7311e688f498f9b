/**
 * End-to-end: the real server and ffmpeg, the built web app, the real Chromium. `/watch/test`
 * must play through MSE: currentTime advances ≥ 3 s within 4 s of wall time, no media or MSE
 * errors, and the delay behind live the player reports stays under 1 s.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');

/** What the viewer's window.player.stats() reports (the subset these tests read). */
interface Stats {
  state: string;
  currentTime: number;
  delaySec: number | null;
  bufferSec: number;
  firstFrameMs: number | null;
  errors: Array<{ code: string; message: string }>;
}

const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as unknown as { player: { stats(): Stats } }).player.stats());

describe.skipIf(!ffmpeg || !browserOk)('viewer in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const media = tempDir();

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'watch.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: WEB_DIR });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    media.remove();
  });

  it('lists the channels on the home page', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('a[href="/watch/test"]', { timeout: 10_000 });
    await page.close();
  });

  it('plays /watch/test live through MSE, under a second behind', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(`${server.url}/watch/test`);
    await page.waitForFunction(() => {
      const p = (window as unknown as { player?: { stats(): Stats } }).player;
      return p !== undefined && p.stats().currentTime > 0;
    }, undefined, { timeout: 20_000 });

    // Let the live-edge controller settle, then measure 4 s of wall time.
    await page.waitForTimeout(1_000);
    const before = await stats(page);
    const wallStart = Date.now();
    const delays: number[] = [];
    while (Date.now() - wallStart < 4_000) {
      await page.waitForTimeout(250);
      const s = await stats(page);
      if (s.delaySec !== null) delays.push(s.delaySec);
    }
    const after = await stats(page);
    const wall = (Date.now() - wallStart) / 1000;
    const advanced = after.currentTime - before.currentTime;

    const mediaError = await page.evaluate(() => document.querySelector('video')?.error?.message ?? null);
    expect(mediaError).toBeNull();
    expect(after.errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(after.state).toBe('playing');
    expect(advanced).toBeGreaterThanOrEqual(3);
    expect(advanced).toBeLessThanOrEqual(wall * 1.2); // playbackRate catch-up is gentle
    expect(delays.length).toBeGreaterThan(8);
    expect(Math.max(...delays)).toBeLessThan(1);
    expect(after.firstFrameMs).not.toBeNull();
    await page.close();
  });

  it('shows an error for an unknown channel and keeps the server up', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/watch/nope`);
    await page.waitForFunction(() => {
      const p = (window as unknown as { player?: { stats(): Stats } }).player;
      return p !== undefined && p.stats().errors.some((e) => e.code === 'UNKNOWN_CHANNEL');
    }, undefined, { timeout: 10_000 });
    const res = await fetch(`${server.url}/api/channels`);
    expect(res.status).toBe(200);
    await page.close();
  });
});
