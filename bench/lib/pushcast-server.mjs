// Child process of bench/range.ts: pushcast's built server (dist/) serving MEDIA_DIR on /vod/.
// Prints `listening <port>` once up; exits on SIGTERM after closing the app.
import path from 'node:path';
const dist = path.resolve(process.argv[2] ?? 'dist');
const { createApp } = await import(path.join(dist, 'server/server.js'));
const { DEFAULTS } = await import(path.join(dist, 'server/runtime/config.js'));
const { locateFfmpeg } = await import(path.join(dist, 'server/ffmpeg/locate.js'));
const { createLogger } = await import(path.join(dist, 'server/runtime/log.js'));
const ffmpeg = await locateFfmpeg(process.env.FFMPEG_PATH ?? null);
const app = createApp({
  config: { ...DEFAULTS, host: '127.0.0.1', port: 0, dataDir: ':memory:', mediaDir: process.env.MEDIA_DIR, cacheDir: process.env.CACHE_DIR, webDir: path.resolve('dist/web') },
  ffmpeg,
  log: createLogger('bench-range'),
});
const { url } = await app.listen();
process.stdout.write(`listening ${new URL(url).port}\n`);
const stop = async () => { await app.close().catch(() => {}); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
