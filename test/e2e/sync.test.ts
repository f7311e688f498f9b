/**
 * End-to-end: synchronized channels in the real Chromium against the real server and ffmpeg.
 *  - two viewers of a playing file channel stay within 100 ms of each other (p95) over 20 s;
 *  - a pause from the dashboard pauses every viewer within 500 ms, on the same frame; play resumes
 *    them within 500 ms;
 *  - a seek from the dashboard's seek bar shows the target on every viewer within 1 s;
 *  - roles: a viewer without the token gets FORBIDDEN and disabled controls, a dashboard without a
 *    token asks for one; a live channel refuses seeks (NOT_SEEKABLE, shown inline) and its viewers
 *    freeze on pause and play again on play.
 * Times are measured from the command's send (Date.now() in the dashboard page, right before the
 * click) to the effect seen in the viewer page (Date.now() there, polled every 10 ms): all pages
 * run on this machine's clock.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../server/sample-media.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { explainTimeout, settled } from '../helpers/viewer-page.js';

const ffmpeg = await findTestFfmpeg();
const browserOk = chromiumAvailable();
const WEB_DIR = path.resolve('dist/web');
const TOKEN = 'testtoken123';
const CHANNEL = 'sample';

/** What window.player.stats() reports (the subset read here). */
interface Stats {
  state: string;
  currentTime: number;
  playbackRate: number;
  driftMs: number | null;
  sync: string | null;
  role: string | null;
  playing: boolean | null;
  position: number | null;
  epoch: number | null;
  errors: Array<{ code: string; message: string }>;
}
type PlayerHandle = { stats(): Stats; command(type: string, position?: number): Promise<{ type: string; code?: string }> };

const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as unknown as { player: PlayerHandle }).player.stats());

/** One sample of a viewer: currentTime and the page's Date.now() when it was read. */
const sample = (page: Page): Promise<{ t: number; at: number; paused: boolean }> =>
  page.evaluate(() => {
    const v = document.querySelector('video')!;
    return { t: v.currentTime, at: Date.now(), paused: v.paused };
  });

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** Clicks a control of the channel's row on the dashboard; returns Date.now() in that page just before. */
function clickDashboard(dash: Page, channel: string, action: string): Promise<number> {
  return dash.evaluate(([ch, act]) => {
    const el = document.querySelector<HTMLElement>(`tr[data-channel="${ch}"] [data-action="${act}"]`);
    if (!el) throw new Error(`no ${act} control for ${ch}`);
    const t = Date.now();
    el.click();
    return t;
  }, [channel, action] as const);
}

describe.skipIf(!ffmpeg || !browserOk)('synchronized channels in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const media = tempDir();
  /** Uncaught exceptions in any page: none expected. */
  const pageErrors: string[] = [];
  let dash: Page;
  let viewers: Page[];

  async function open(pathname: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${pathname}: ${err.message}`));
    await page.goto(`${server.url}${pathname}`);
    return page;
  }

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIR, 'dashboard.html'))) throw new Error('dist/web is not built: run "npm run build:web" (npm test does)');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(media.dir, `${CHANNEL}.mp4`), durationSec: 30 });
    server = await startTestServer(ffmpeg!, { mediaDir: media.dir, webDir: WEB_DIR, controlToken: TOKEN });
    browser = await launchChromium();
    dash = await open(`/dashboard#token=${TOKEN}`);
    viewers = [await open(`/watch/${CHANNEL}`), await open(`/watch/${CHANNEL}`)];
    await dash.waitForSelector(`tr[data-channel="${CHANNEL}"]`, { timeout: 15_000 });
    for (const v of viewers) await settled(v, 30_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    media.remove();
  });

  it('keeps two viewers within 100 ms of each other (p95) over 20 s', async () => {
    const [a, b] = viewers as [Page, Page];
    const diffs: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      const [sa, sb] = [await sample(a), await sample(b)];
      // Both play at ~1×: shift b's reading back by the time between the two evaluations.
      if (!sa.paused && !sb.paused) diffs.push(Math.abs((sb.t - sa.t - (sb.at - sa.at) / 1000) * 1000));
      await new Promise((r) => setTimeout(r, 200));
    }
    const p95 = pct(diffs, 95);
    console.log(`inter-viewer drift over 20 s: p50 ${pct(diffs, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...diffs).toFixed(1)} ms (n=${diffs.length})`);
    expect(diffs.length).toBeGreaterThan(60);
    expect(p95).toBeLessThan(100);
    for (const v of viewers) expect((await stats(v)).errors).toEqual([]);
  }, 40_000);

  it('pauses every viewer within 500 ms of a dashboard pause, on the same frame, and resumes them within 500 ms', async () => {
    const sent = await clickDashboard(dash, CHANNEL, 'toggle');
    const seen = await Promise.all(viewers.map(async (v) => {
      const h = await v.waitForFunction(() => document.querySelector('video')!.paused && Date.now(), undefined, { polling: 10, timeout: 3000 });
      return (await h.jsonValue()) as number;
    }));
    console.log(`pause: ${seen.map((t) => t - sent).join(' / ')} ms`);
    for (const t of seen) expect(t - sent).toBeLessThan(500);

    // Settled on the channel's exact position: both show the same frame.
    await new Promise((r) => setTimeout(r, 600));
    const [pa, pb] = [await stats(viewers[0]!), await stats(viewers[1]!)];
    expect(pa.playing).toBe(false);
    expect(Math.abs(pa.currentTime - pb.currentTime)).toBeLessThan(0.02);
    expect(await dash.textContent(`tr[data-channel="${CHANNEL}"] [data-action="toggle"]`)).toBe('Play');

    const frozen = pa.currentTime;
    const resumed = await clickDashboard(dash, CHANNEL, 'toggle');
    const moving = await Promise.all(viewers.map(async (v) => {
      const h = await explainTimeout(v, v.waitForFunction((from) => {
        const video = document.querySelector('video')!;
        return !video.paused && video.currentTime > from + 0.01 && Date.now();
      }, frozen, { polling: 10, timeout: 3000 }), 'viewer did not resume');
      return (await h.jsonValue()) as number;
    }));
    console.log(`play: ${moving.map((t) => t - resumed).join(' / ')} ms`);
    for (const t of moving) expect(t - resumed).toBeLessThan(500);
    for (const v of viewers) await settled(v);
  }, 30_000);

  it('shows a dashboard seek on every viewer within 1 s', async () => {
    const before = await stats(viewers[0]!);
    const target = (before.position ?? 0) < 15 ? 22 : 6;
    const sent = await dash.evaluate(([ch, pos]) => {
      const bar = document.querySelector<HTMLInputElement>(`tr[data-channel="${ch}"] [data-action="seek"]`)!;
      bar.value = String(pos);
      const t = Date.now();
      bar.dispatchEvent(new Event('change'));
      return t;
    }, [CHANNEL, target] as const);
    const seen = await Promise.all(viewers.map(async (v) => {
      const h = await v.waitForFunction(([epoch, pos]) => {
        const s = (window as unknown as { player: PlayerHandle }).player.stats();
        const video = document.querySelector('video')!;
        // The new timeline, a decoded frame at the target (the channel moves on from it), no seek pending.
        return s.epoch !== epoch && s.position !== null && s.position >= pos - 0.1 && s.position < pos + 1
          && video.readyState >= 2 && !video.seeking && Date.now();
      }, [before.epoch, target] as const, { polling: 10, timeout: 5000 });
      return (await h.jsonValue()) as number;
    }));
    console.log(`seek: ${seen.map((t) => t - sent).join(' / ')} ms`);
    for (const t of seen) expect(t - sent).toBeLessThan(1000);
    for (const v of viewers) await settled(v);
    expect(await dash.isHidden(`tbody:has(tr[data-channel="${CHANNEL}"]) .cmd-error`)).toBe(true);
  }, 30_000);

  it('lists the viewers with their reported drift on the dashboard', async () => {
    await dash.waitForFunction((ch) => {
      const o = (window as unknown as { dashboard?: { overview(): { viewers: Array<{ channel: string | null; report: { driftMs: number | null } | null }> } | null } }).dashboard?.overview();
      return o !== null && o !== undefined && o.viewers.filter((v) => v.channel === ch && v.report?.driftMs !== null && v.report?.driftMs !== undefined).length >= 2;
    }, CHANNEL, { timeout: 5000 });
    const rows = await dash.locator('#viewers tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(3); // two viewers and the dashboard itself
  });

  it('refuses control without the token: FORBIDDEN, disabled controls, a token form on the dashboard', async () => {
    const viewer = viewers[0]!;
    const reply = await viewer.evaluate(() => (window as unknown as { player: PlayerHandle }).player.command('pause'));
    expect(reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect((await stats(viewer)).role).toBe('viewer');
    expect(await viewer.isDisabled('#play-toggle')).toBe(true);
    expect(await viewer.getAttribute('#play-toggle', 'title')).toMatch(/controller/);
    expect((await stats(viewer)).state).toBe('playing'); // a refused command is not a player error

    const page = await browser.newPage();
    await page.goto(`${server.url}/dashboard`);
    await page.waitForSelector('#token-form:not([hidden])', { timeout: 5000 });
    expect(await page.textContent('#token-form h2')).toMatch(/controller token needed/i);
    await page.close();

    // With the token, a viewer page is a controller and its controls are enabled.
    const ctl = await open(`/watch/${CHANNEL}#token=${TOKEN}`);
    await ctl.waitForFunction(() => (window as unknown as { player: PlayerHandle }).player.stats().role === 'controller', undefined, { timeout: 10_000 });
    await ctl.waitForFunction(() => !document.querySelector<HTMLButtonElement>('#play-toggle')!.disabled, undefined, { timeout: 5000 });
    expect(await ctl.evaluate(() => location.hash)).toBe(''); // the token left the address bar
    await ctl.close();
  }, 30_000);

  it('on a live channel: seek is refused inline (NOT_SEEKABLE), pause freezes the viewer, play resumes it', async () => {
    const live = await open('/watch/test');
    await live.waitForFunction(() => (window as unknown as { player: PlayerHandle }).player.stats().currentTime > 0.5, undefined, { timeout: 20_000 });
    const reply = await dash.evaluate(() => (window as unknown as { dashboard: { client: { command(ch: string, t: string, p?: number): Promise<{ code?: string }> } } }).dashboard.client.command('test', 'seek', 3));
    expect(reply).toMatchObject({ type: 'error', code: 'NOT_SEEKABLE' });
    expect(await dash.isDisabled('tr[data-channel="test"] [data-action="seek"]')).toBe(true);

    const sent = await clickDashboard(dash, 'test', 'toggle');
    const h = await live.waitForFunction(() => document.querySelector('video')!.paused && Date.now(), undefined, { polling: 10, timeout: 3000 });
    expect(((await h.jsonValue()) as number) - sent).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 500));
    const frozen = (await sample(live)).t;
    await new Promise((r) => setTimeout(r, 500));
    expect((await sample(live)).t).toBe(frozen);

    await clickDashboard(dash, 'test', 'toggle');
    await live.waitForFunction(() => {
      const v = document.querySelector('video')!;
      return !v.paused && v.readyState >= 2;
    }, undefined, { polling: 10, timeout: 3000 });
    await live.close();
    expect(pageErrors).toEqual([]);
  }, 40_000);
});
