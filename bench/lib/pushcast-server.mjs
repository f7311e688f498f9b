// Child process of the benchmarks: pushcast's built server (dist/) on 127.0.0.1, a random port.
// argv[2] is the dist folder; env PUSHCAST_BENCH_CONFIG is a JSON object merged over the defaults
// (channels, fragmentMs, idleStopMs …); MEDIA_DIR / CACHE_DIR as for the product. Prints
// `listening <port>` once up; closes the app and exits on SIGTERM / SIGINT or when stdin closes.
import path from 'node:path';
const dist = path.resolve(process.argv[2] ?? 'dist');
const { createApp } = await import(path.join(dist, 'server/server.js'));
const { DEFAULTS } = await import(path.join(dist, 'server/runtime/config.js'));
const { locateFfmpeg } = await import(path.join(dist, 'server/ffmpeg/locate.js'));
const { createLogger } = await import(path.join(dist, 'server/runtime/log.js'));
const ffmpeg = await locateFfmpeg(process.env.FFMPEG_PATH ?? null);
const extra = JSON.parse(process.env.PUSHCAST_BENCH_CONFIG ?? '{}');
const app = createApp({
  config: {
    ...DEFAULTS, host: '127.0.0.1', port: 0, dataDir: ':memory:', mediaDir: process.env.MEDIA_DIR, cacheDir: process.env.CACHE_DIR,
    webDir: path.resolve('dist/web'), testPattern: false, ...extra,
  },
  ffmpeg,
  log: createLogger('bench'),
});
const { url } = await app.listen();
process.stdout.write(`listening ${new URL(url).port}\n`);
const stop = async () => { await app.close().catch(() => {}); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The benchmark holds our stdin open: when it dies (killed, timed out), so do we, never an orphan.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
