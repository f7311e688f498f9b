/**
 * A viewer as the delay and sync benchmarks see it: a Chromium page with the barcode reader
 * installed before any of the page's own scripts, opened at a known wall-clock instant, drained of
 * the samples of the frames it presented.
 */
import type { Browser, Page } from 'playwright-core';
import { BARCODE_READER, type Sample } from './barcode.js';

/**
 * Wall-clock marks of the page's first WebSocket (created, open, first message, first binary
 * message) and of the navigation (response end, DOMContentLoaded), to split a first frame into
 * page load, connection and media. Works for any player that uses WebSocket (pushcast, mpegts.js).
 */
const WS_TIMELINE = `(() => {
  const marks = {}; window.__marks = marks;
  const at = () => performance.timeOrigin + performance.now();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (marks.wsCreated) return;
      marks.wsCreated = at();
      this.addEventListener('open', () => { marks.wsOpen ??= at(); });
      this.addEventListener('message', (e) => {
        marks.firstMessage ??= at();
        if (typeof e.data !== 'string') marks.firstBinary ??= at();
      });
    }
  };
  document.addEventListener('DOMContentLoaded', () => { marks.domContentLoaded = at(); });
})();`;

export interface Marks {
  navigationStart?: number;
  responseEnd?: number;
  domContentLoaded?: number;
  wsCreated?: number;
  wsOpen?: number;
  firstMessage?: number;
  firstBinary?: number;
}

export interface Viewer {
  page: Page;
  /** Date.now() just before navigation started. */
  openedAt: number;
  /** Presented frames since the last call (the page keeps only the last 20 000). */
  drain(): Promise<Sample[]>;
  /** The first presented frame whose code could be read, waiting up to `timeoutMs`. */
  firstFrame(timeoutMs?: number): Promise<Sample | null>;
  /** The page's navigation and WebSocket marks, wall-clock ms. */
  marks(): Promise<Marks>;
  close(): Promise<void>;
}

export async function openViewer(browser: Browser, url: string, size = { width: 1280, height: 900 }, extraInit?: string): Promise<Viewer> {
  const context = await browser.newContext({ viewport: size });
  const page = await context.newPage();
  await page.addInitScript(BARCODE_READER);
  await page.addInitScript(WS_TIMELINE);
  if (extraInit) await page.addInitScript(extraInit);
  page.on('pageerror', () => {});
  const openedAt = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  let firstSeen: Sample | null = null;
  const kept: Sample[] = [];
  const pull = async (): Promise<Sample[]> => {
    const got = await page.evaluate(() => (window as unknown as { __barcode?: Sample[] }).__barcode?.splice(0) ?? []);
    if (!firstSeen) firstSeen = got.find((s) => s.code !== null) ?? null;
    return got;
  };
  return {
    page,
    openedAt,
    drain: async () => [...kept.splice(0), ...(await pull())],
    firstFrame: async (timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      while (!firstSeen && Date.now() < until) {
        kept.push(...(await pull()));
        if (!firstSeen) await new Promise((r) => setTimeout(r, 20));
      }
      return firstSeen;
    },
    marks: () => page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const w = window as unknown as { __marks?: Marks };
      return { navigationStart: performance.timeOrigin, responseEnd: nav ? performance.timeOrigin + nav.responseEnd : undefined, ...w.__marks };
    }),
    close: () => context.close(),
  };
}
