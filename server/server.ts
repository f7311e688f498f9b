/**
 * The HTTP + WebSocket front door. One port serves:
 *   /ws                     WebSocket upgrade: one Session per socket (session.ts)
 *   /api/channels[/<id>]    channel list / one channel (JSON)
 *   /api/health             liveness + which ffmpeg runs
 *   /vod/<path>             media files over HTTP Range (http/vod.ts)
 *   /, /watch/<id>, /assets the built web app (http/static.ts), or Vite's dev server with --dev
 * Everything else is a JSON 404. A handler that throws answers 500 and the server stays up.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ChannelRegistry } from './channels.js';
import type { Config } from './config.js';
import { ErrorCode } from './errors.js';
import type { FfmpegBinaries } from './ffmpeg/locate.js';
import { probeSource } from './ffmpeg/probe.js';
import { createStaticHandler } from './http/static.js';
import { sendError, sendJson } from './http/error-body.js';
import { createVodRoutes } from './vod/routes.js';
import type { Logger } from './log.js';
import { generateToken } from './control/auth.js';
import { createCommandApi } from './control/http-commands.js';
import { COMMANDS_PER_SECOND, COMMAND_BURST, Session } from './session.js';

export interface AppOptions {
  config: Config;
  ffmpeg: FfmpegBinaries;
  log: Logger;
}

export interface App {
  readonly server: http.Server;
  readonly channels: ChannelRegistry;
  /** The control token in force (configured, or generated when the config has none). */
  readonly controlToken: string;
  /** Starts listening; resolves with the bound port and a URL for humans and tests. */
  listen(): Promise<{ port: number; url: string }>;
  /** Closes sockets, stops every ffmpeg, then the HTTP server. */
  close(): Promise<void>;
}

/** Largest client frame ws accepts before closing with 1009; the protocol's own, smaller limit answers BAD_MESSAGE below it. */
const WS_MAX_PAYLOAD = 64 * 1024;
const SERVER_NAME = 'pushcast/0.1';
/** How often the media folder is rescanned for new files, ms. */
const MEDIA_RESCAN_MS = 5_000;
/** Dashboards get an overview at least this often, ms, and at most every OVERVIEW_MIN_GAP_MS. */
const OVERVIEW_INTERVAL_MS = 1_000;
const OVERVIEW_MIN_GAP_MS = 100;

export function createApp({ config, ffmpeg, log }: AppOptions): App {
  const ffprobe = ffmpeg.ffprobe;
  const prober = ffprobe ? (url: string) => probeSource(ffprobe, url) : null;
  const channels = new ChannelRegistry(config, ffmpeg.ffmpeg, prober, log);
  const vodRoutes = createVodRoutes({
    root: config.mediaDir,
    cacheDir: config.cacheDir,
    cacheControl: config.vodCacheControl,
    corsOrigins: config.corsOrigins,
    ffmpegPath: ffmpeg.ffmpeg,
    ffprobePath: ffmpeg.ffprobe,
    log: log.child('vod'),
  });
  const serveStatic = createStaticHandler(config.webDir);
  const controlToken = config.controlToken ?? generateToken();
  const commandApi = createCommandApi({
    findChannel: (id) => channels.get(id), controlToken, burst: COMMAND_BURST, perSecond: COMMANDS_PER_SECOND,
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD });
  const sessions = new Set<Session>();
  let dev: { middlewares: http.RequestListener; close(): Promise<void> } | null = null;
  let rescanTimer: NodeJS.Timeout | null = null;
  let overviewTimer: NodeJS.Timeout | null = null;
  let overviewPending: NodeJS.Timeout | null = null;

  /** Sends every subscribed dashboard the channels and viewers as they are now. */
  function sendOverview(): void {
    overviewPending = null;
    const subscribers = [...sessions].filter((s) => s.subscribed);
    if (subscribers.length === 0) return;
    const msg = { type: 'overview' as const, channels: channels.all().map((c) => c.info()), viewers: [...sessions].map((s) => s.describe()) };
    for (const s of subscribers) s.push(msg);
  }
  /** Channel changes reach dashboards at once, coalesced to one overview per OVERVIEW_MIN_GAP_MS. */
  function overviewSoon(): void {
    overviewPending ??= setTimeout(sendOverview, OVERVIEW_MIN_GAP_MS);
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const rawPath = rawUrl.split('?', 1)[0] ?? '/';
    if (rawPath.startsWith('/vod/')) return vodRoutes.vod(req, res, rawPath.slice('/vod/'.length));
    if (rawPath.startsWith('/api/')) return api(req, res, rawPath);
    if (dev) return dev.middlewares(req, res);
    if (await serveStatic(req, res, rawPath)) return;
    sendError(req, res, 404, ErrorCode.NOT_FOUND, `nothing at ${rawPath.slice(0, 200)}`);
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, rawPath: string): Promise<void> {
    const commands = /^\/api\/channels\/([^/]+)\/commands$/.exec(rawPath);
    if (commands) return commandApi(req, res, decodeURIComponentSafe(commands[1] ?? ''));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(req, res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, { Allow: 'GET, HEAD' });
      return;
    }
    if (rawPath === '/api/channels') {
      sendJson(req, res, 200, { channels: channels.all().map((c) => c.info()) });
      return;
    }
    const one = /^\/api\/channels\/([^/]+)$/.exec(rawPath);
    if (one) {
      const channel = channels.get(decodeURIComponentSafe(one[1] ?? ''));
      if (!channel) sendError(req, res, 404, ErrorCode.UNKNOWN_CHANNEL, 'no such channel');
      else sendJson(req, res, 200, channel.info());
      return;
    }
    if (rawPath === '/api/media') return vodRoutes.mediaApi(req, res);
    if (rawPath === '/api/health') {
      sendJson(req, res, 200, { ok: true, server: SERVER_NAME, ffmpeg: { path: ffmpeg.ffmpeg, version: ffmpeg.version }, viewers: sessions.size });
      return;
    }
    sendError(req, res, 404, ErrorCode.NOT_FOUND, 'no such API');
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error('request failed', { url: req.url?.slice(0, 200), error: String(err) });
      if (!res.headersSent) sendError(req, res, 500, ErrorCode.INTERNAL, 'internal error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const rawPath = (req.url ?? '/').split('?', 1)[0];
    if (rawPath !== '/ws') {
      // Vite's HMR socket (dev mode) upgrades on its own path and handles itself.
      if (dev) return;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session({
        socket: ws,
        findChannel: (id) => channels.get(id),
        maxBufferedBytes: config.sessionMaxBufferedBytes,
        serverName: SERVER_NAME,
        controlToken,
        commandBurst: COMMAND_BURST,
        commandsPerSecond: COMMANDS_PER_SECOND,
        log: log.child('session'),
      });
      sessions.add(session);
      ws.on('close', () => {
        sessions.delete(session);
        overviewSoon();
      });
      overviewSoon();
      session.start();
    });
  });

  return {
    server,
    channels,
    controlToken,
    async listen() {
      if (config.dev) dev = await startViteMiddleware(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      channels.startAlwaysOn();
      for (const c of channels.all()) c.on('state', overviewSoon);
      overviewTimer = setInterval(sendOverview, OVERVIEW_INTERVAL_MS).unref();
      rescanTimer = setInterval(() => {
        const added = channels.syncMediaFiles();
        if (added.length) log.info('new media files', { channels: added });
        for (const id of added) channels.get(id)?.on('state', overviewSoon);
      }, MEDIA_RESCAN_MS).unref();
      const { port } = server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
    },
    async close() {
      if (rescanTimer) clearInterval(rescanTimer);
      if (overviewTimer) clearInterval(overviewTimer);
      if (overviewPending) clearTimeout(overviewPending);
      for (const client of wss.clients) client.terminate();
      for (const s of sessions) s.stop();
      sessions.clear();
      await channels.close();
      await vodRoutes.close();
      await dev?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `npm run dev`: Vite serves web/ with HMR on our own HTTP server; page routes map to their HTML. */
async function startViteMiddleware(server: http.Server): Promise<{ middlewares: http.RequestListener; close(): Promise<void> }> {
  const { createServer } = await import('vite');
  const { pageFor } = await import('./http/static.js');
  const vite = await createServer({
    configFile: 'web/vite.config.ts',
    server: { middlewareMode: true, hmr: { server } },
    appType: 'mpa',
  });
  return {
    middlewares: (req, res) => {
      const page = pageFor((req.url ?? '/').split('?', 1)[0] ?? '/');
      if (page) req.url = `/${page}`;
      vite.middlewares(req, res);
    },
    close: () => vite.close(),
  };
}
