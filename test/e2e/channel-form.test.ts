/**
 * End-to-end: the real server, ffmpeg, the built dashboard and the real Chromium. A channel added
 * with the dashboard's "Add a channel" form appears as a row with a Delete button (a media-folder
 * channel's row has none); a refused one shows its code inline, as text; Delete (clicked twice)
 * removes the row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');
const TOKEN = 'e2e-channel-form-token';

describe.skipIf(!ffmpeg || !browserOk)('adding and deleting a channel from the dashboard in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const work = tempDir('pushcast-e2e-channels-');
  const mediaDir = path.join(work.dir, 'media');

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'dashboard.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    mkdirSync(mediaDir);
    execFileSync(ffmpeg!.ffmpeg, [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p', '-g', '25', '-movflags', '+faststart', path.join(mediaDir, 'clip.mp4'),
    ]);
    server = await startTestServer(ffmpeg!, { mediaDir, webDir: WEB_DIR, controlToken: TOKEN, testPattern: false });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    work.remove();
  });

  it('adds a channel with the form, shows refusals with their code, deletes it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/dashboard#token=${TOKEN}`);
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'connected');
    await page.waitForSelector('tr[data-channel="clip"]');

    const submit = async (id: string, source: string): Promise<void> => {
      await page.fill('#add-channel input[name="id"]', id);
      await page.fill('#add-channel input[name="source"]', source);
      await page.click('#add-channel button[type="submit"]');
    };
    const statusText = async (): Promise<string> => {
      await page.waitForSelector('#add-channel [data-role="status"]:not([hidden])');
      return (await page.textContent('#add-channel [data-role="status"]')) ?? '';
    };

    // Refusals: the code inline, as text (an id or file name with markup stays text).
    await submit('x', 'file:///etc/passwd');
    await page.waitForFunction(() => document.querySelector('#add-channel [data-role="status"] code')?.textContent === 'SOURCE_SCHEME_FORBIDDEN');
    await submit('x', '<img src=x onerror="window.pwned=1">.mp4');
    await page.waitForFunction(() => document.querySelector('#add-channel [data-role="status"] code')?.textContent === 'BAD_SOURCE');
    expect(await statusText()).toContain('<img src=x');
    expect(await page.$$('#add-channel img')).toHaveLength(0);
    await submit('clip', 'clip.mp4');
    await page.waitForFunction(() => document.querySelector('#add-channel [data-role="status"] code')?.textContent === 'CHANNEL_EXISTS');

    await page.check('#add-channel input[name="openControl"]');
    await submit('lobby', 'clip.mp4');
    await page.waitForFunction(() => !document.querySelector('#add-channel [data-role="status"] code'));
    expect(await statusText()).toContain('Added "lobby"');
    await page.waitForSelector('tr[data-channel="lobby"]');
    const listed = (await (await fetch(`${server.url}/api/channels/lobby`)).json()) as { origin: string; control: string };
    expect(listed).toMatchObject({ origin: 'runtime', control: 'open' });
    // Only the runtime channel's row has a Delete button.
    expect(await page.$$('tbody:has(tr[data-channel="lobby"]) button[data-action="delete"]')).toHaveLength(1);
    expect(await page.$$('tbody:has(tr[data-channel="clip"]) button[data-action="delete"]')).toHaveLength(0);

    const del = 'tbody:has(tr[data-channel="lobby"]) button[data-action="delete"]';
    await page.click(del);
    expect(await page.textContent(del)).toBe('Really delete?');
    expect(server.app.channels.get('lobby')).toBeDefined(); // one click deletes nothing
    await page.click(del);
    await page.waitForSelector('tr[data-channel="lobby"]', { state: 'detached', timeout: 10_000 });
    expect(server.app.channels.get('lobby')).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
