/**
 * End-to-end tests drive the system's Chromium through playwright-core (never a downloaded
 * browser). Locally a missing Chromium skips them with a note; under CI=true it is a failure.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for a headless, offline, root-run Chromium that may autoplay with sound. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  // Background tabs must not be throttled: benchmarks keep several viewers open at once.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but Chromium is missing at ${CHROMIUM_PATH} (apt-get install chromium)`);
  process.stderr.write(`[test] no Chromium at ${CHROMIUM_PATH}, skipping end-to-end tests\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
