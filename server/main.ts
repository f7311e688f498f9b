/**
 * pushcast's entry point. Read from here outward (docs/ARCHITECTURE.md draws the layers):
 *   runtime/config.ts  one typed config (defaults < --config file < env < CLI flags)
 *   ffmpeg/locate.ts   which ffmpeg binary (FFMPEG_PATH → ffmpeg-static → PATH)
 *   sample-media.ts    the sample clip a fresh clone plays
 *   server.ts          HTTP + WebSocket wiring, the store (store/), then
 *     channel/registry.ts → channel/channel.ts → ffmpeg/fragmenter.ts (one ffmpeg) → media/
 *     ws/session.ts    one viewer's socket; core/protocol.ts is the wire format shared with web/
 *     api/, vod/, http/ the JSON API, files over HTTP Range, the web app's static files
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listChannelFiles } from './library/media-library.js';
import { ConfigError, USAGE, resolveConfig, type Config } from './runtime/config.js';
import { locateFfmpeg, type FfmpegBinaries } from './ffmpeg/locate.js';
import { createLogger } from './runtime/log.js';
import { installProcessGuard } from './runtime/process-guard.js';
import { generateSample } from './sample-media.js';
import { createApp } from './server.js';

const log = createLogger();

function loadConfig(): Config {
  try {
    const result = resolveConfig({ argv: process.argv.slice(2), env: process.env, readFile: (f) => readFileSync(f, 'utf8') });
    if (result === 'help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    return result;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pushcast: invalid configuration: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * A fresh clone has an empty media folder: make the sample so there is a file channel to watch.
 * Runs after the server is up (the test pattern plays meanwhile); the channel appears when done.
 */
async function ensureSampleMedia(config: Config, ffmpeg: FfmpegBinaries, signal: AbortSignal, onReady: () => void): Promise<void> {
  if (listChannelFiles(config.mediaDir).length > 0) return;
  const file = path.join(config.mediaDir, 'sample.mp4');
  log.info('media folder has no video: generating a 60 s sample clip', { file });
  const started = Date.now();
  try {
    let shown = 0;
    // A line per quarter: the first start on a slow machine takes a while, and should say so.
    const onProgress = (fraction: number): void => {
      const quarter = Math.floor(fraction * 4) * 25;
      if (quarter > shown && quarter < 100) log.info(`sample clip: ${quarter} %`, { ms: Date.now() - started });
      shown = Math.max(shown, quarter);
    };
    await generateSample({ ffmpeg: ffmpeg.ffmpeg, file, signal, onProgress });
    log.info('sample clip ready', { file, ms: Date.now() - started });
    onReady();
  } catch (err) {
    if (signal.aborted) return;
    // Not fatal: the test pattern and configured channels still work.
    log.warn('could not generate the sample clip', { error: String(err).slice(0, 500) });
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  let ffmpeg: FfmpegBinaries;
  try {
    ffmpeg = await locateFfmpeg(config.ffmpegPath);
  } catch (err) {
    process.stderr.write(`pushcast: ${(err as Error).message}\n`);
    process.exit(1);
  }
  log.info('using ffmpeg', { path: ffmpeg.ffmpeg, foundBy: ffmpeg.foundBy, version: ffmpeg.version, ffprobe: ffmpeg.ffprobe });
  if (!config.dev && !existsSync(path.join(config.webDir, 'index.html'))) {
    log.warn('web app not built: run "npm run build:web" (npm start does this for you)', { webDir: config.webDir });
  }

  const app = createApp({ config, ffmpeg, log });
  // Signals are handled from before listen() on, so a stop during startup is clean too.
  // First signal: graceful shutdown (exit 0). Second: force (every child SIGKILLed, exit 130).
  // A shutdown that hangs past its deadline is forced as well (exit 1).
  let closing = false;
  const stopping = new AbortController();
  const force = (code: number, why: string): void => {
    log.warn(why);
    app.killChildren();
    process.exit(code);
  };
  const shutdown = (reason: string, exitCode = 0): void => {
    if (closing) {
      if (reason === 'SIGINT' || reason === 'SIGTERM') force(130, `second ${reason}: forcing exit`);
      return;
    }
    closing = true;
    log.info('shutting down', { reason });
    stopping.abort();
    const deadlineMs = config.shutdownTimeoutMs + config.stopTimeoutMs + 2_000;
    setTimeout(() => force(1, `shutdown took longer than ${deadlineMs} ms: forcing exit`), deadlineMs).unref();
    app.close().then(() => process.exit(exitCode), (err: unknown) => {
      log.error('shutdown failed', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
      app.killChildren();
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  installProcessGuard({ log, fatal: (code) => shutdown('fatal error', code) });
  const { url } = await app.listen();
  const ids = app.channels.all().map((c) => c.id);
  log.info(`pushcast is up: open ${url}/`, { channels: ids });
  // The token goes to the terminal only (not through the logger), as part of the dashboard's URL.
  const generated = config.controlToken === null ? ' (generated; set CONTROL_TOKEN to choose one)' : '';
  process.stdout.write(`\n  viewer:     ${url}/\n  dashboard:  ${url}/dashboard#token=${encodeURIComponent(app.controlToken)}${generated}\n\n`);
  void ensureSampleMedia(config, ffmpeg, stopping.signal, () => app.channels.syncMediaFiles());
}

main().catch((err: unknown) => {
  log.error('fatal', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
