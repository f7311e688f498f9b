/**
 * The delay benchmark's peer: Node-Media-Server 2.7 (RTMP in, WS-FLV out) in its own process,
 * and a tiny page that plays its WS-FLV with mpegts.js in low-latency mode. The page exposes
 * `window.player.stats().delaySec` (buffered end − currentTime) like pushcast's player does, so the
 * player's own belief can be printed beside the on-screen number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../test/helpers/spawn-server.js';
import { npmPeer, PEERS_DIR } from '../lib/peers.js';

export const NMS_VERSION = '2.7.4';
export const MPEGTS_VERSION = '1.8.2';

export interface PeerSetup {
  rtmpUrl: string;
  /** The page to open; it plays the stream at once. */
  pageUrl: string;
  /** NMS's WS-FLV address of the stream, and its HTTP port (the fan-out benchmark's viewers use it). */
  wsUrl: string;
  httpPort: number;
  /** The NMS process, for its CPU and memory in /proc. */
  pid: number;
  close(): Promise<void>;
}

const NMS_SCRIPT = `const NodeMediaServer = require('node-media-server');
const [rtmp, httpPort] = process.argv.slice(2).map(Number);
const nms = new NodeMediaServer({
  logType: 1,
  rtmp: { port: rtmp, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
  http: { port: httpPort, allow_origin: '*', mediaroot: __dirname + '/nms-media' },
});
nms.run();
console.log('nms ready');
`;

const page = (wsUrl: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>peer</title>
<script src="/mpegts.js"></script></head><body style="margin:0;background:#000">
<video id="v" muted autoplay playsinline style="width:1280px;height:720px"></video>
<script>
const video = document.getElementById('v');
const p = mpegts.createPlayer({ type: 'flv', isLive: true, url: ${JSON.stringify(wsUrl)} }, {
  enableWorker: false, enableStashBuffer: false, stashInitialSize: 128, lazyLoad: false,
  liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 0.9, liveBufferLatencyMinRemain: 0.2,
  autoCleanupSourceBuffer: true,
});
p.attachMediaElement(video); p.load(); video.play().catch(() => {});
window.player = { stats: () => {
  const b = video.buffered; const end = b.length ? b.end(b.length - 1) : null;
  return { delaySec: end === null ? null : end - video.currentTime };
} };
</script></body></html>`;

/** Starts NMS and the page server; resolves once both listen. Throws when NMS cannot be had. */
export async function startPeer(streamKey: string): Promise<PeerSetup> {
  const nms = npmPeer('node-media-server', NMS_VERSION);
  if (!nms.ok) throw new Error(nms.reason);
  const mp = npmPeer('mpegts.js', MPEGTS_VERSION);
  if (!mp.ok) throw new Error(mp.reason);
  const mpegtsJs = readFileSync(path.join(mp.dir, 'dist', 'mpegts.js'));

  const rtmpPort = await freePort();
  const httpPort = await freePort();
  const script = path.join(PEERS_DIR, 'nms-delay.cjs');
  writeFileSync(script, NMS_SCRIPT);
  const child: ChildProcess = spawn(process.execPath, [script, String(rtmpPort), String(httpPort)], { cwd: PEERS_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`NMS not ready in 10 s: ${out.slice(-300)}`)), 10_000);
    child.stdout?.on('data', (c: Buffer) => { out += String(c); if (out.includes('nms ready')) { clearTimeout(timer); resolve(); } });
    child.stderr?.on('data', (c: Buffer) => { out += String(c); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`NMS exited (${code}): ${out.slice(-300)}`)); });
  });
  const wsUrl = `ws://127.0.0.1:${httpPort}/live/${streamKey}.flv`;
  const html = page(wsUrl);
  const server = http.createServer((req, res) => {
    if (req.url === '/mpegts.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(mpegtsJs); return; }
    res.writeHead(200, { 'content-type': 'text/html' }); res.end(html);
  });
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone; clearTimeout(t);
    }
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  try {
    await ready;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const pagePort = (server.address() as net.AddressInfo).port;
  return { rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live/${streamKey}`, pageUrl: `http://127.0.0.1:${pagePort}/`, wsUrl, httpPort, pid: child.pid!, close };
}
