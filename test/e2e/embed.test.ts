/**
 * End-to-end: `<pushcast-player>` (web/src/embed, built to dist/web/player.js) on another site's
 * page, in the real Chromium, against the real server and ffmpeg.
 *
 * Three origins, all on 127.0.0.1 (an origin is scheme + host + port): the pushcast server, an
 * embedding site it lists in allowedOrigins, and a site it does not. The allowed page loads
 * `<script type="module" src="<server>/player.js">` (a CORS fetch) under a strict CSP of its own
 * and must play `test` through MSE: the `pushcast-state` event reaches `playing`, currentTime
 * advances and frames are presented; attribute changes act (stats overlay, another channel) and
 * removing the element closes its WebSocket. The other site cannot load the script from the server
 * (no CORS grant) and, with a copy of its own, gets a `pushcast-error` for the refused upgrade
 * instead of a crash; the server serves on.
 */
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');

interface Recorded {
  type: 'pushcast-state' | 'pushcast-error';
  detail: { from?: string; to?: string; code?: string; message?: string; fatal?: boolean };
}

/** A site: one HTTP server answering `/` with `html()` and `/player.js` with a copy of the build. */
async function site(html: () => string, headers: () => Record<string, string> = () => ({})): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/player.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(readFileSync(path.join(WEB_DIR, 'player.js')));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers() });
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The embedding page: every pushcast-* event that reaches document is kept in window.events. */
function page(script: string, element: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>embed</title>
<script nonce="n0nce">
  window.events = [];
  for (const type of ['pushcast-state', 'pushcast-error']) {
    document.addEventListener(type, (e) => window.events.push({ type, detail: e.detail }));
  }
  // A script that fails to load fires 'error' on its element (no bubbling): caught on the way down.
  addEventListener('error', (e) => { if (e.target instanceof HTMLScriptElement) window.scriptFailed = true; }, true);
</script>
<script type="module" src="${script}" nonce="n0nce"></script>
</head><body><h1>someone else's page</h1>${element}</body></html>`;
}

const events = (p: Page): Promise<Recorded[]> => p.evaluate(() => (window as unknown as { events: Recorded[] }).events);

type Want = { type: Recorded['type']; key: 'to' | 'code'; value: string; count?: number; fatal?: boolean };

/**
 * Waits until `count` (default 1) events of `type` with detail[key] === value arrived; on timeout,
 * says what did arrive. (A function predicate: the allowed page's CSP forbids eval of strings.)
 */
async function waitForEvent(p: Page, want: Want, timeoutMs: number): Promise<void> {
  try {
    await p.waitForFunction((w: Want) => {
      const seen = (window as unknown as { events: Recorded[] }).events;
      const hits = seen.filter((e) => e.type === w.type && e.detail[w.key] === w.value && (w.fatal === undefined || e.detail.fatal === w.fatal));
      return hits.length >= (w.count ?? 1);
    }, want, { timeout: timeoutMs, polling: 100 });
  } catch (err) {
    const seen = await events(p);
    const stats = await p.evaluate(() => document.querySelector('pushcast-player')?.stats() ?? null);
    throw new Error(`no event matching ${JSON.stringify(want)}: events ${JSON.stringify(seen)}, stats ${JSON.stringify(stats)}`, { cause: err });
  }
}

/** currentTime and presented frames of the element's shadow <video>. */
const videoProgress = (p: Page): Promise<{ t: number; frames: number; paused: boolean; error: string | null }> =>
  p.evaluate(() => {
    const v = document.querySelector('pushcast-player')!.shadowRoot!.querySelector('video')!;
    return { t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames, paused: v.paused, error: v.error?.message ?? null };
  });

describe.skipIf(!ffmpeg || !browserOk)('embedded player in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof site>>;
  let other: Awaited<ReturnType<typeof site>>;
  let allowedHtml = '';
  let otherHtml = '';
  const media = tempDir();

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'player.js'))) throw new Error('dist/web/player.js is not built: run "npm run build:web" (npm test does)');
    // The sites first: the server's allowlist needs the allowed site's origin.
    // A strict CSP of the embedder's own: scripts by nonce and from the server, no inline styles.
    allowed = await site(() => allowedHtml, () => {
      const ws = server.url.replace(/^http/, 'ws');
      return { 'Content-Security-Policy': `default-src 'none'; script-src 'nonce-n0nce' ${server.url}; connect-src ${server.url} ${ws}; media-src blob: ${server.url}; style-src 'self'` };
    });
    other = await site(() => otherHtml);
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: WEB_DIR, allowedOrigins: [allowed.origin] });
    browser = await launchChromium();
  });
  /** Pages still open (a failed test leaves its page): closed after each test, so viewers do not pile up. */
  const pages = new Set<Page>();
  afterEach(async () => {
    for (const p of pages) await p.close();
    pages.clear();
  });
  afterAll(async () => {
    await browser?.close();
    await allowed?.close();
    await other?.close();
    await server?.close();
    media.remove();
  });

  /** Opens `html` on a site; collects page errors and CSP violations (the embedder's policy must hold). */
  async function open(on: typeof allowed, html: string): Promise<{ p: Page; pageErrors: string[] }> {
    if (on === allowed) allowedHtml = html;
    else otherHtml = html;
    const p = await browser.newPage();
    pages.add(p);
    p.on('close', () => pages.delete(p));
    const pageErrors: string[] = [];
    p.on('pageerror', (err) => pageErrors.push(err.message));
    p.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/.test(msg.text())) pageErrors.push(msg.text());
    });
    await p.goto(`${on.origin}/`);
    return { p, pageErrors };
  }

  it('plays a channel from an allowed origin: pushcast-state reaches playing, the video advances', async () => {
    const { p, pageErrors } = await open(allowed, page(`${server.url}/player.js`, `<pushcast-player server="${server.url}" channel="test" muted></pushcast-player>`));
    await waitForEvent(p, { type: 'pushcast-state', key: 'to', value: 'playing' }, 20_000);

    const before = await videoProgress(p);
    await p.waitForTimeout(3_000);
    const after = await videoProgress(p);
    expect(after.error).toBeNull();
    expect(after.paused).toBe(false);
    expect(after.t - before.t).toBeGreaterThan(2);
    expect(after.frames - before.frames).toBeGreaterThan(25); // 25 fps test pattern: ~75 in 3 s

    const seen = await events(p);
    const states = seen.filter((e) => e.type === 'pushcast-state').map((e) => e.detail.to);
    expect(states.slice(0, 3)).toEqual(['connecting', 'waiting-init', 'playing']);
    // Events carry {from, to}; errors none (a fatal one would have stopped it).
    expect(seen.find((e) => e.type === 'pushcast-state')?.detail).toEqual({ from: 'idle', to: 'connecting' });
    expect(seen.filter((e) => e.type === 'pushcast-error')).toEqual([]);
    const st = await p.evaluate(() => {
      const el = document.querySelector('pushcast-player')!;
      const v = el.shadowRoot!.querySelector('video')!;
      return { mode: el.stats()?.mode, muted: v.muted, controls: v.controls, sheets: el.shadowRoot!.adoptedStyleSheets.length };
    });
    expect(st).toEqual({ mode: 'mse', muted: true, controls: false, sheets: 1 });
    expect(server.app.channels.get('test')?.info().viewers).toBe(1);
    expect(pageErrors).toEqual([]);

    // Attributes act while it plays: controls and the stats overlay, without a new stream.
    await p.evaluate(() => {
      const el = document.querySelector('pushcast-player')!;
      el.setAttribute('controls', '');
      el.setAttribute('stats', '');
    });
    await p.waitForFunction(() => /state\s+playing \(mse\)/.test(document.querySelector('pushcast-player')!.shadowRoot!.querySelector('.stats')!.textContent ?? ''), undefined, { timeout: 2_000 });
    const view = await p.evaluate(() => {
      const root = document.querySelector('pushcast-player')!.shadowRoot!;
      return { controls: root.querySelector('video')!.controls, statsHidden: root.querySelector<HTMLElement>('.stats')!.hidden };
    });
    expect(view).toEqual({ controls: true, statsHidden: false });
    expect((await events(p)).filter((e) => e.type === 'pushcast-state' && e.detail.to === 'connecting')).toHaveLength(1);

    // Another channel: a new stream; an unknown one is a fatal pushcast-error, shown over the video.
    await p.evaluate(() => document.querySelector('pushcast-player')!.setAttribute('channel', 'nope'));
    await waitForEvent(p, { type: 'pushcast-error', key: 'code', value: 'UNKNOWN_CHANNEL', fatal: true }, 10_000);
    expect(await p.evaluate(() => document.querySelector('pushcast-player')!.shadowRoot!.querySelector('.notice')!.textContent)).toMatch(/^UNKNOWN_CHANNEL: /);

    // Removed from the page: the player is destroyed and its WebSocket closed.
    await p.evaluate(() => document.querySelector('pushcast-player')!.setAttribute('channel', 'test'));
    await waitForEvent(p, { type: 'pushcast-state', key: 'to', value: 'playing', count: 2 }, 20_000);
    await p.evaluate(() => {
      const el = document.querySelector('pushcast-player')!;
      const w = window as unknown as { removed: unknown; lastState: unknown };
      w.removed = el;
      // Out of the document, its events reach only listeners on the element itself.
      el.addEventListener('pushcast-state', (e) => (w.lastState = e.detail));
      el.remove();
    });
    await p.waitForFunction(() => (window as unknown as { removed: { player: unknown } }).removed.player === null, undefined, { timeout: 2_000 });
    const deadline = Date.now() + 5_000;
    while ((server.app.channels.get('test')?.info().viewers ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(server.app.channels.get('test')?.info().viewers).toBe(0);
    expect(await p.evaluate(() => (window as unknown as { lastState: unknown }).lastState)).toEqual({ from: 'playing', to: 'closed' });
    expect(pageErrors).toEqual([]);
    await p.close();
  });

  it('defaults the server to the origin player.js came from; bad attributes are a pushcast-error', async () => {
    const elements = [
      '<pushcast-player channel="test" muted></pushcast-player>',
      '<pushcast-player id="no-channel"></pushcast-player>',
      '<pushcast-player id="bad-server" channel="test" server="https://example.test/not/an/origin"></pushcast-player>',
    ];
    const { p, pageErrors } = await open(allowed, page(`${server.url}/player.js`, elements.join('')));
    await waitForEvent(p, { type: 'pushcast-state', key: 'to', value: 'playing' }, 20_000);
    await waitForEvent(p, { type: 'pushcast-error', key: 'code', value: 'BAD_ATTRIBUTE', count: 2 }, 2_000);
    const bad = await p.evaluate(() => ['no-channel', 'bad-server'].map((id) => {
      const el = document.getElementById(id) as HTMLElementTagNameMap['pushcast-player'];
      return { player: el.player, notice: el.shadowRoot!.querySelector('.notice')!.textContent };
    }));
    expect(bad).toEqual([
      { player: null, notice: expect.stringMatching(/^BAD_ATTRIBUTE: .*channel attribute/) },
      { player: null, notice: expect.stringMatching(/^BAD_ATTRIBUTE: .*origin/) },
    ]);
    expect(pageErrors).toEqual([]);
    await p.close();
  });

  it('shows timed comments with the comments attribute: posted elsewhere, and from its own row', async () => {
    const { p, pageErrors } = await open(allowed, page(`${server.url}/player.js`, `<pushcast-player server="${server.url}" channel="test" muted comments></pushcast-player>`));
    await waitForEvent(p, { type: 'pushcast-state', key: 'to', value: 'playing' }, 20_000);
    const shown = (): Promise<string[]> => p.evaluate(() =>
      [...document.querySelector('pushcast-player')!.shadowRoot!.querySelectorAll('.comments-layer .comment-text')].map((e) => e.textContent ?? ''));
    expect(await p.evaluate(() => document.querySelector('pushcast-player')!.shadowRoot!.querySelector<HTMLFormElement>('.comment-form')!.hidden)).toBe(false);

    // Another viewer (a bot over HTTP) comments: it drifts over this page's video.
    const res = await fetch(`${server.url}/api/channels/test/comments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'hello from afar', name: 'bot' }) });
    expect(res.status).toBe(201);
    await p.waitForFunction(() => [...document.querySelector('pushcast-player')!.shadowRoot!.querySelectorAll('.comment-text')].some((e) => e.textContent === 'hello from afar'), undefined, { timeout: 3_000 });

    // Its own row posts over its WebSocket to the server on the other origin.
    await p.evaluate(() => {
      const root = document.querySelector('pushcast-player')!.shadowRoot!;
      root.querySelector<HTMLInputElement>('.comment-text-input')!.value = '<b>not html</b>';
      root.querySelector<HTMLFormElement>('.comment-form')!.requestSubmit();
    });
    await p.waitForFunction(() => [...document.querySelector('pushcast-player')!.shadowRoot!.querySelectorAll('.comment-text')].some((e) => e.textContent === '<b>not html</b>'), undefined, { timeout: 3_000 });
    expect(await p.evaluate(() => document.querySelector('pushcast-player')!.shadowRoot!.querySelector('.comments-layer b'))).toBeNull();
    expect(await shown()).toEqual(expect.arrayContaining(['hello from afar', '<b>not html</b>']));

    // Without the attribute: no layer, no row; the stream goes on.
    await p.evaluate(() => document.querySelector('pushcast-player')!.removeAttribute('comments'));
    expect(await shown()).toEqual([]);
    expect(await p.evaluate(() => document.querySelector('pushcast-player')!.shadowRoot!.querySelector<HTMLFormElement>('.comment-form')!.hidden)).toBe(true);
    expect((await events(p)).filter((e) => e.type === 'pushcast-state' && e.detail.to === 'connecting')).toHaveLength(1);
    expect((await events(p)).filter((e) => e.type === 'pushcast-error')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('a page on another origin cannot load player.js from the server (no CORS grant)', async () => {
    const { p, pageErrors } = await open(other, page(`${server.url}/player.js`, '<pushcast-player channel="test" muted></pushcast-player>'));
    await p.waitForFunction(() => (window as unknown as { scriptFailed?: boolean }).scriptFailed === true, undefined, { timeout: 10_000 });
    expect(await p.evaluate(() => customElements.get('pushcast-player') === undefined)).toBe(true);
    expect(pageErrors).toEqual([]);
    await p.close();
  });

  it('a page on another origin with its own copy gets pushcast-error for the refused WebSocket, and the server serves on', async () => {
    const { p, pageErrors } = await open(other, page('/player.js', `<pushcast-player server="${server.url}" channel="test" muted></pushcast-player>`));
    await waitForEvent(p, { type: 'pushcast-error', key: 'code', value: 'CONNECTION' }, 15_000);
    const seen = await events(p);
    const error = seen.find((e) => e.type === 'pushcast-error')!.detail;
    expect(error.fatal).toBe(false); // it keeps retrying, with backoff
    expect(error.message).toContain('allowedOrigins');
    expect(error.message).toContain(other.origin);
    expect(seen.some((e) => e.detail.to === 'playing')).toBe(false);
    expect(seen.some((e) => e.detail.to === 'reconnecting')).toBe(true);
    expect(await p.evaluate(() => document.querySelector('pushcast-player')!.shadowRoot!.querySelector<HTMLElement>('.notice')!.hidden)).toBe(false);
    expect(pageErrors).toEqual([]);
    expect(server.app.channels.get('test')?.info().viewers ?? 0).toBe(0);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    await p.close();
  });
});
