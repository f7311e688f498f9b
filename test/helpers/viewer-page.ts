/**
 * Waiting on a viewer page (watch.html, `window.player`) in end-to-end tests and benchmarks,
 * with a timeout that says where the viewer was stuck instead of a bare "Timeout exceeded".
 */
import type { Page } from 'playwright-core';

/** Awaits `wait`; on failure, throws with the viewer's stats, channel state and <video> state. */
export async function explainTimeout<T>(page: Page, wait: Promise<T>, what: string): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    const where = await page.evaluate(() => {
      const player = (window as unknown as { player?: { stats(): unknown; channel: unknown } }).player;
      const v = document.querySelector('video')!;
      const buffered = Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]);
      return JSON.stringify({ stats: player?.stats(), channel: player?.channel, now: Date.now(), paused: v.paused, seeking: v.seeking, readyState: v.readyState, buffered });
    });
    throw new Error(`${what}: ${where}`, { cause: err });
  }
}

/** Waits until the viewer is in sync by the policy: playing, within its 60 ms nudge threshold (sync.ts). */
export function settled(page: Page, timeoutMs = 20_000): Promise<void> {
  return explainTimeout(page, page.waitForFunction(() => {
    const s = (window as unknown as { player?: { stats(): { state: string; driftMs: number | null } } }).player?.stats();
    return s !== undefined && s.state === 'playing' && s.driftMs !== null && Math.abs(s.driftMs) < 60 && !document.querySelector('video')!.paused;
  }, undefined, { timeout: timeoutMs, polling: 100 }), 'viewer never settled').then(() => undefined);
}
