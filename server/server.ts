/**
 * The HTTP + WebSocket front door. One port serves:
 *   /ws                     WebSocket upgrade: one Session per socket (session.ts)
 *   /api/channels[/<id>]    channel list / one channel (JSON); POST / DELETE at runtime (api/channels.ts)
 *   /api/health             liveness + which ffmpeg runs
 *   /healthz, /readyz       liveness; readiness (ffmpeg executable, media folder readable) (health.ts)
 *   /metrics                Prometheus text format (metrics.ts, prom-client)
 *   /vod/<path>             media files over HTTP Range (http/vod.ts)
 *   /, /watch/<id>, /assets the built web app (http/static.ts), or Vite's dev server with --dev
 * Everything else is a JSON 404. A handler that throws answers 500 and the server stays up.
 *
 * Network safety (issue 9): every response carries the security headers (http/security-headers.ts);
 * one Origin allowlist decides the WebSocket upgrade (upgrade-gate.ts) and CORS on every route, and
 * refuses cross-origin state changes; every socket gets an error listener before anything is written
 * to it; a heartbeat terminates dead peers; close() is a graceful shutdown (1001 to every socket,
 * in-flight responses finished within a deadline, every ffmpeg stopped).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel } from './channel/channel.js';
import { ChannelRegistry } from './channel/registry.js';
import { originAllowlist, type Config } from './runtime/config.js';
import { ErrorCode } from './core/errors.js';
import type { FfmpegBinaries } from './ffmpeg/locate.js';
import { createProber } from './ffmpeg/probe.js';
import { createStaticHandler } from './http/static.js';
import { sendError } from './http/error-body.js';
import { createVodRoutes } from './vod/routes.js';
import type { Logger } from './runtime/log.js';
import { generateToken } from './access/auth.js';
import { TokenGuard } from './access/token-guard.js';
import { createCommandApi } from './api/commands.js';
import { createApiRoutes } from './api/routes.js';
import { createCommentsApi } from './api/comments.js';
import { createChannelsApi } from './api/channels.js';
import { RuntimeChannels } from './channel/runtime-channels.js';
import { CommentService } from './comments/comments.js';
import { createUploads } from './upload/uploads.js';
import { COMMANDS_PER_SECOND, COMMAND_BURST, Session } from './ws/session.js';
import { API_CORS, corsHeaders, preflightHeaders } from './http/cors.js';
import { judgeOrigin } from './http/origin.js';
import { applySecurityHeaders } from './http/security-headers.js';
import { Heartbeat } from './ws/heartbeat.js';
import { CloseCode } from './core/protocol.js';
import { addSecret, addSecretsFromUrl } from './runtime/redact.js';
import { decideUpgrade, refuseUpgrade } from './ws/upgrade-gate.js';
import { createHealthRoutes, executableCheck, readableDirCheck } from './api/health.js';
import { Metrics } from './runtime/metrics.js';
import { openStore, type Store } from './store/store.js';
import { PlayheadKeeper } from './channel/playhead-keeper.js';

export interface AppOptions {
  config: Config;
  ffmpeg: FfmpegBinaries;
  log: Logger;
  /** The persistent state; by default the app opens config.dataDir's and closes it on close(). */
  store?: Store;
}

export interface App {
  readonly server: http.Server;
  readonly channels: ChannelRegistry;
  readonly metrics: Metrics;
  readonly store: Store;
  /** The control token in force (configured, or generated when the config has none). */
  readonly controlToken: string;
  /** Starts listening; resolves with the bound port and a URL for humans and tests. */
  listen(): Promise<{ port: number; url: string }>;
  /**
   * Graceful shutdown: refuses new work, closes every WebSocket with 1001, stops every ffmpeg and
   * ffprobe, and lets in-flight HTTP responses finish for up to config.shutdownTimeoutMs.
   */
  close(): Promise<void>;
  /** Last resort (a second signal, a hung shutdown): SIGKILL every ffmpeg / ffprobe child now. */
  killChildren(): void;
}

/** Largest client frame ws accepts before closing with 1009; the protocol's own, smaller limit answers BAD_MESSAGE below it. */
const WS_MAX_PAYLOAD = 64 * 1024;
const SERVER_NAME = 'pushcast/0.1';
/** How often the media folder is rescanned for new files, ms. */
const MEDIA_RESCAN_MS = 5_000;
/** Dashboards get an overview at least this often, ms, and at most every OVERVIEW_MIN_GAP_MS. */
const OVERVIEW_INTERVAL_MS = 1_000;
const OVERVIEW_MIN_GAP_MS = 100;
/** Sockets that have not finished their close handshake this long after 1001 are destroyed, ms. */
const WS_CLOSE_GRACE_MS = 1_000;

export function createApp({ config, ffmpeg, log, store: given }: AppOptions): App {
  const store = given ?? openStore(config.dataDir);
  const allowedOrigins = originAllowlist(config);
  // Known secrets are masked wherever they would appear (logs, wire, API): redact.ts.
  for (const ch of config.channels) addSecretsFromUrl(ch.source);
  addSecret(config.controlToken);
  const ffprobe = ffmpeg.ffprobe;
  const prober = ffprobe ? createProber(ffprobe) : null;
  const keeper = new PlayheadKeeper(store.playheads, (): readonly Channel[] => channels.all(), log.child('playheads'));
  const channels: ChannelRegistry = new ChannelRegistry(config, ffmpeg.ffmpeg, prober, log, (id) => keeper.restore(id));
  const vodRoutes = createVodRoutes({
    root: config.mediaDir,
    cacheDir: config.cacheDir,
    cacheControl: config.vodCacheControl,
    corsOrigins: allowedOrigins,
    ffmpegPath: ffmpeg.ffmpeg,
    ffprobePath: ffmpeg.ffprobe,
    log: log.child('vod'),
  });
  const serveStatic = createStaticHandler(config.webDir, { corsOrigins: allowedOrigins });
  const metrics = new Metrics({ onError: (err) => log.warn('metrics: could not read the channels', { error: String(err) }) });
  metrics.watchChannels(() => channels.all().map((c) => c.info()));
  const health = createHealthRoutes({ ffmpeg: executableCheck(ffmpeg.ffmpeg), mediaDir: readableDirCheck(config.mediaDir) });
  // A generated token is kept, so dashboards stay logged in across restarts; CONTROL_TOKEN wins.
  const controlToken = config.controlToken ?? store.settings.getOrCreate('controlToken', generateToken);
  addSecret(controlToken);
  const tokenGuard = new TokenGuard(controlToken);
  const runtime = RuntimeChannels.open({ registry: channels, store: store.channels, mediaDir: config.mediaDir, allowedSchemes: config.allowedSourceSchemes, log: log.child('channels'), watch: (c) => watchChannel(c), forget: (id) => { store.playheads.drop(id); store.comments.dropChannel(id); } });
  const comments = new CommentService({ store: store.comments, findChannel: (id) => channels.get(id), viewersOf: (id) => [...sessions].filter((s) => s.describe().channel === id), log: log.child('comments') });
  const uploads = createUploads({ config, store, controlToken, tokenGuard, prober, channels, syncMedia, log: log.child('uploads') });
  const api = createApiRoutes({
    channels,
    commands: createCommandApi({ findChannel: (id) => channels.get(id), controlToken, tokenGuard }),
    mediaApi: (req, res) => vodRoutes.mediaApi(req, res),
    extra: [createCommentsApi({ comments, controlToken, tokenGuard }), uploads.route, createChannelsApi({ runtime, controlToken, tokenGuard })],
    health: () => ({ ok: true, server: SERVER_NAME, ffmpeg: { path: ffmpeg.ffmpeg, version: ffmpeg.version }, viewers: sessions.size }),
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD });
  const sessions = new Set<Session>();
  /** Open WebSockets per client address (maxConnectionsPerIp). */
  const perIp = new Map<string, number>();
  const heartbeat = new Heartbeat(config.heartbeatMs, () => log.debug('heartbeat missed: terminating'));
  let closing = false;
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
    applySecurityHeaders(res, config.dev);
    if (closing) {
      res.setHeader('Connection', 'close');
      sendError(req, res, 503, ErrorCode.SHUTTING_DOWN, 'the server is shutting down', { 'Retry-After': '5' });
      return;
    }
    // A page on another site may read nothing (no CORS grant) and change nothing: a cross-origin
    // POST is a "simple request" that browsers send without asking first.
    const origin = req.headers.origin;
    const verdict = judgeOrigin(origin, req.headers.host, allowedOrigins);
    const safeMethod = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
    if (verdict === 'forbidden' && !safeMethod) {
      sendError(req, res, 403, ErrorCode.ORIGIN_FORBIDDEN, 'requests from this origin may not change anything (allowedOrigins)', corsHeaders(origin, allowedOrigins));
      return;
    }
    if (rawPath === '/healthz') return health.healthz(req, res);
    if (rawPath === '/readyz') return health.readyz(req, res);
    if (rawPath === '/metrics') return metrics.handle(req, res);
    if (rawPath.startsWith('/vod/')) return vodRoutes.vod(req, res, rawPath.slice('/vod/'.length));
    if (rawPath.startsWith('/api/')) {
      for (const [k, v] of Object.entries(corsHeaders(origin, allowedOrigins))) res.setHeader(k, v);
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...preflightHeaders(origin, allowedOrigins, API_CORS.methods, API_CORS.headers), ...uploads.discovery(rawPath) });
        res.end();
        return;
      }
      return api(req, res, rawPath);
    }
    if (dev) return dev.middlewares(req, res);
    if (await serveStatic(req, res, rawPath)) return;
    sendError(req, res, 404, ErrorCode.NOT_FOUND, `nothing at ${rawPath.slice(0, 200)}`);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error('request failed', { url: req.url?.slice(0, 200), error: String(err) });
      if (!res.headersSent) sendError(req, res, 500, ErrorCode.INTERNAL, 'internal error');
      else res.destroy();
    });
  });

  // Requests and sockets that fail at the TCP level (a reset mid-request, garbage) must not reach
  // the process: answer 400 where possible, else drop the socket.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  // Slow-loris guards: a request's headers must arrive within 15 s and the whole request within
  // 60 s (Node's defaults are 60 s and 300 s); responses (long downloads) are not limited by these.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;

  server.on('upgrade', (req, socket, head) => {
    // First of all: a reset from the peer while we answer must not become an uncaught error.
    socket.on('error', (err) => log.debug('upgrade socket error', { error: err.message }));
    const decision = decideUpgrade(req, {
      closing, dev: dev !== null, allowedOrigins: allowedOrigins,
      maxConnectionsPerIp: config.maxConnectionsPerIp, connectionsFrom: (ip) => perIp.get(ip) ?? 0,
    });
    if (!decision.ok) {
      if (decision.pass) return;
      log.debug('upgrade refused', { code: decision.code, origin: req.headers.origin?.slice(0, 200) });
      metrics.rejected(decision.code.toLowerCase());
      refuseUpgrade(socket, decision.status, decision.code, decision.message);
      return;
    }
    const { ip } = decision;
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    };
    // A handshake that fails (bad key, reset) never yields a WebSocket: free its slot with the socket.
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, release, ip));
  });

  function onConnection(ws: WebSocket, release: () => void, client: string): void {
    const session = new Session({
      socket: ws,
      findChannel: (id) => channels.get(id),
      comments,
      maxBufferedBytes: config.sessionMaxBufferedBytes,
      serverName: SERVER_NAME,
      controlToken, tokenGuard, client,
      commandBurst: COMMAND_BURST,
      commandsPerSecond: COMMANDS_PER_SECOND,
      messageBurst: config.messageBurst,
      messagesPerSecond: config.messagesPerSecond,
      overloadCloseMs: config.overloadCloseMs,
      metrics,
      log: log.child('session'),
    });
    sessions.add(session);
    heartbeat.watch(ws);
    metrics.wsOpened();
    ws.on('close', (code) => {
      // A peer we closed (4001, 1008) but that never answered is destroyed: ws reports 1006 then.
      metrics.wsClosed(session.closedWith ?? code);
      release();
      session.stop();
      sessions.delete(session);
      overviewSoon();
    });
    overviewSoon();
    session.start();
  }

  /** New video files in the media folder become channels now (the rescan timer, a finished upload); returns their ids. */
  function syncMedia(): string[] {
    const added = channels.syncMediaFiles();
    if (added.length) log.info('new media files', { channels: added });
    for (const c of added.map((id) => channels.get(id))) if (c) watchChannel(c);
    return added;
  }
  const watchChannel = (c: Channel): void => {
    c.on('state', () => { overviewSoon(); keeper.saveOne(c); });
    c.on('spawn', ({ restart }) => metrics.ffmpegStarted(c.id, restart));
  };

  return {
    server,
    channels,
    metrics,
    store,
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
      keeper.start();
      for (const c of channels.all()) watchChannel(c);
      uploads.start();
      overviewTimer = setInterval(sendOverview, OVERVIEW_INTERVAL_MS).unref();
      heartbeat.start();
      rescanTimer = setInterval(syncMedia, MEDIA_RESCAN_MS).unref();
      const { port } = server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
    },
    killChildren() {
      channels.killAll();
    },
    async close() {
      if (closing) return;
      closing = true;
      if (rescanTimer) clearInterval(rescanTimer);
      if (overviewTimer) clearInterval(overviewTimer);
      if (overviewPending) clearTimeout(overviewPending);
      heartbeat.stop();
      // Stop accepting; the callback fires once every connection has ended.
      const httpDone = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Every viewer is told why (1001: reconnect later); peers that do not answer are dropped.
      for (const client of wss.clients) client.close(CloseCode.GOING_AWAY, 'server shutting down');
      const wsGone = setTimeout(() => { for (const client of wss.clients) client.terminate(); }, WS_CLOSE_GRACE_MS);
      for (const s of sessions) s.stop();
      sessions.clear();
      keeper.stop();
      await channels.close();
      await vodRoutes.close();
      await uploads.close();
      await dev?.close();
      // In-flight responses (a long download) get until the deadline, then are cut.
      const deadline = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      await httpDone;
      clearTimeout(deadline);
      clearTimeout(wsGone);
      for (const client of wss.clients) client.terminate();
      if (!given) store.close();
    },
  };
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
