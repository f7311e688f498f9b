/**
 * The benchmarks' on-screen clock (bench/lib/barcode.ts) must read what the frame carries, or every
 * delay and sync number built on it is wrong. A clip is encoded with the media-time code, played in
 * the real Chromium through /play/, and each presented frame's decoded code is compared with the
 * media time the browser reports for that same frame.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BARCODE_READER, barcodeGraph, codeDiff, MODULO, type Sample } from '../../bench/lib/barcode.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();

describe('codeDiff', () => {
  it.each([
    [10, 3, 7],
    [3, 10, -7],
    [5, MODULO - 5, 10],
    [MODULO - 5, 5, -10],
  ])('codeDiff(%i, %i) = %i across the wrap', (a, b, d) => expect(codeDiff(a, b)).toBe(d));
});

describe.skipIf(!ffmpeg || !browserOk)('barcode reader in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const media = tempDir();

  beforeAll(async () => {
    await promisify(execFile)(ffmpeg!.ffmpeg, [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', barcodeGraph({ clock: 'media' }), '-t', '4',
      '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '1M', '-g', '30', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
      path.join(media.dir, 'code.mp4'),
    ], { timeout: 60_000 });
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: path.resolve('dist/web') });
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    media.remove();
  });

  it('decodes the media time each presented frame carries', async () => {
    const page = await browser.newPage();
    await page.addInitScript(BARCODE_READER);
    await page.goto(`${server.url}/play/code.mp4`);
    await page.waitForFunction(() => ((window as unknown as { __barcode?: unknown[] }).__barcode ?? []).length >= 45, undefined, { timeout: 30_000 });
    const samples = await page.evaluate(() => (window as unknown as { __barcode: Sample[] }).__barcode);
    const read = samples.filter((s) => s.code !== null);
    expect(read.length / samples.length).toBeGreaterThan(0.9);
    for (const s of read) expect(Math.abs(codeDiff(s.code!, Math.round(s.mediaMs)))).toBeLessThanOrEqual(1);
    // The codes move on with playback: not one frame read again and again.
    expect(new Set(read.map((s) => s.code)).size).toBeGreaterThan(30);
  }, 60_000);
});
