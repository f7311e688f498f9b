/**
 * End-to-end: timed comments in the real Chromium against the real server and ffmpeg.
 *  - a comment typed on one watch page drifts across another page's video within 500 ms (measured
 *    from the submit in the sending page to the node appearing in the receiving one: Date.now() in
 *    both, one machine's clock), rendered as text (markup stays characters);
 *  - on a file channel a page that was not there when it was posted shows it when playback passes
 *    its position (after a seek back to just before it: fetched over HTTP, scheduled by position);
 *  - a controller clicks a comment to delete it and it leaves the other screens;
 *  - "hide comments" is kept across a reload; the display name is kept in localStorage.
 * Pages live in separate browser contexts, so only the controller's has the token in its storage.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommentInfo } from '../../server/core/protocol.js';
import { generateSample } from '../../server/sample-media.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { settled } from '../helpers/viewer-page.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');
const TOKEN = 'comments-e2e-token';
const CHANNEL = 'clip';

/**
 * Records, in the page, when each comment node appears on the overlay: Date.now() and the
 * player's file position at that moment, keyed by the comment's text.
 */
async function watchOverlay(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { seen: Record<string, { at: number; position: number | null }>; player: { stats(): { position: number | null } } };
    w.seen = {};
    const box = document.querySelector('.video-box')!;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) {
        if (!(n instanceof HTMLElement) || !n.classList.contains('comment')) continue;
        const text = n.querySelector('.comment-text')?.textContent ?? '';
        w.seen[text] ??= { at: Date.now(), position: w.player.stats().position };
      }
    }).observe(box, { childList: true, subtree: true });
  });
}

const seen = (page: Page, text: string, timeoutMs = 5_000): Promise<{ at: number; position: number | null }> =>
  page.waitForFunction((t) => (window as unknown as { seen: Record<string, unknown> }).seen[t] ?? null, text, { timeout: timeoutMs, polling: 10 })
    .then((h) => h.jsonValue() as Promise<{ at: number; position: number | null }>);

/** Types a comment (and name) into the page's form and submits it; Date.now() in that page right before. */
function post(page: Page, text: string, name?: string): Promise<number> {
  return page.evaluate(([t, n]) => {
    if (n !== undefined) document.querySelector<HTMLInputElement>('#comment-name')!.value = n;
    document.querySelector<HTMLInputElement>('#comment-text')!.value = t;
    const sent = Date.now();
    document.querySelector<HTMLFormElement>('#comment-form')!.requestSubmit();
    return sent;
  }, [text, name] as const);
}

const onScreen = (page: Page, text: string): Promise<boolean> =>
  page.evaluate((t) => [...document.querySelectorAll('.comments-layer .comment-text')].some((e) => e.textContent === t), text);

describe.skipIf(!ffmpeg || !browserOk)('timed comments in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const media = tempDir();
  const pageErrors: string[] = [];
  let controller: Page;
  let viewer: Page;

  async function open(hash = ''): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/watch/${CHANNEL}${hash}`);
    await settled(page, 30_000);
    await watchOverlay(page);
    return page;
  }

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'watch.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, `${CHANNEL}.mp4`), durationSec: 30 });
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: WEB_DIR, controlToken: TOKEN, testPattern: false });
    browser = await launchChromium();
    controller = await open(`#token=${TOKEN}`);
    viewer = await open();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    media.remove();
  });

  it('a comment posted on one page drifts over the other page within 500 ms, as text', async () => {
    const text = 'hello <img src=x onerror="window.pwned=1"> from the other tab';
    const sent = await post(controller, text, 'Ana');
    const got = await seen(viewer, text);
    const ms = got.at - sent;
    console.log(`comment from one page to the other's overlay: ${ms} ms`);
    expect(ms).toBeLessThan(500);
    const shown = await viewer.evaluate(() => {
      const el = [...document.querySelectorAll<HTMLElement>('.comments-layer .comment')].at(-1)!;
      return { name: el.querySelector('.comment-name')?.textContent, images: document.querySelectorAll('.comments-layer img').length, pwned: 'pwned' in window, deletable: el.classList.contains('deletable') };
    });
    expect(shown).toEqual({ name: 'Ana', images: 0, pwned: false, deletable: false });
    // The sender sees its own comment too, and its name is remembered.
    await seen(controller, text);
    expect(await controller.evaluate(() => localStorage.getItem('pushcast.name'))).toBe('Ana');
    expect(await controller.inputValue('#comment-text')).toBe('');
  }, 20_000);

  it('a page that was not there shows a file comment when playback passes its position', async () => {
    const text = `at a moment ${Date.now()}`;
    await post(controller, text);
    await seen(viewer, text);
    const listed = (await (await fetch(`${server.url}/api/channels/${CHANNEL}/comments?limit=50`)).json()) as { comments: CommentInfo[] };
    const comment = listed.comments.find((c) => c.text === text)!;
    expect(comment.at).not.toBeNull();
    const latecomer = await open();
    const back = Math.max(0, (comment.at as number) - 3);
    const reply = await controller.evaluate((p) => (window as unknown as { player: { command(t: string, p: number): Promise<{ type: string }> } }).player.command('seek', p), back);
    expect(reply.type).toBe('ack');
    const got = await seen(latecomer, text, 10_000);
    console.log(`latecomer showed the comment at position ${got.position?.toFixed(2)} s (posted at ${comment.at} s)`);
    expect(got.position).not.toBeNull();
    expect(got.position! - (comment.at as number)).toBeGreaterThanOrEqual(-0.1);
    expect(got.position! - (comment.at as number)).toBeLessThan(0.6);
    await latecomer.context().close();
  }, 60_000);

  it('a controller clicks a comment to delete it, and it leaves the other screens', async () => {
    const text = `delete me ${Date.now()}`;
    await post(viewer, text);
    await seen(controller, text);
    expect(await onScreen(viewer, text)).toBe(true);
    const clicked = await controller.evaluate((t) => {
      const el = [...document.querySelectorAll<HTMLElement>('.comments-layer .comment.deletable')].find((e) => e.querySelector('.comment-text')?.textContent === t);
      if (!el) return null;
      const at = Date.now();
      el.click();
      return at;
    }, text);
    expect(clicked).not.toBeNull();
    const gone = await viewer.waitForFunction((t) => ![...document.querySelectorAll('.comments-layer .comment-text')].some((e) => e.textContent === t) && Date.now(), text, { timeout: 3_000, polling: 10 });
    console.log(`deleted on the other screen after ${(await gone.jsonValue() as number) - clicked!} ms`);
    const listed = (await (await fetch(`${server.url}/api/channels/${CHANNEL}/comments?limit=50`)).json()) as { comments: CommentInfo[] };
    expect(listed.comments.map((c) => c.text)).not.toContain(text);
  }, 20_000);

  it('"hide comments" hides them and is kept across a reload', async () => {
    await viewer.click('#comments-toggle');
    expect(await viewer.getAttribute('#comments-toggle', 'aria-pressed')).toBe('true');
    await viewer.reload();
    await settled(viewer, 30_000);
    await watchOverlay(viewer);
    expect(await viewer.getAttribute('#comments-toggle', 'aria-pressed')).toBe('true');
    const text = `while hidden ${Date.now()}`;
    await post(controller, text);
    await seen(controller, text);
    await viewer.waitForTimeout(300);
    expect(await viewer.evaluate((t) => t in (window as unknown as { seen: object }).seen, text)).toBe(false);
    await viewer.click('#comments-toggle');
    expect(await viewer.evaluate(() => localStorage.getItem('pushcast.hideComments'))).toBe('0');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
