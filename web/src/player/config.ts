/**
 * Player configuration: one object with defaults; each value says its unit and who uses it.
 */
import { DEFAULT_BACKOFF, checkBackoffOptions, type BackoffOptions } from './backoff.js';
import { DEFAULT_SILENCE_TIMEOUT_MS } from './connection.js';
import { DEFAULT_LIVE_EDGE_OPTIONS, resolveLiveEdgeOptions, type LiveEdgeOptions } from './live-edge.js';
import { DEFAULT_PINGER_OPTIONS, type PingerOptions } from './pinger.js';
import { DEFAULT_PROGRESSIVE_OPTIONS, type ProgressiveOptions } from './progressive-rules.js';
import { normalizeServerBase } from './server-url.js';
import { DEFAULT_QUEUE_OPTIONS, type SourceBufferQueueOptions } from './source-buffer-queue.js';
import { DEFAULT_SYNC_OPTIONS, resolveSyncOptions, type SyncOptions } from './sync.js';

export interface PlayerConfig {
  /** WebSocket URL; null → `ws(s)://<page host>/ws` (Player). */
  url: string | null;
  /**
   * The pushcast server (`https://host:8080`) the WebSocket and the HTTP look-ups (`/api/channels`,
   * `/api/media`, `/vod/`) go to; null: the page's own origin (server-url.ts). `url` still wins
   * for the socket. An embedding page (web/src/embed) sets it; the server must allow the page's
   * origin (allowedOrigins).
   */
  server: string | null;
  /** Live-edge policy: target delay, catch-up rate, jump and stall thresholds (live-edge.ts). */
  liveEdge: LiveEdgeOptions;
  /** File channels: drift thresholds and nudge rate for following the shared playhead (sync.ts). */
  sync: SyncOptions;
  /** Back-buffer and quota handling (source-buffer-queue.ts). */
  buffer: SourceBufferQueueOptions;
  /** Reconnect backoff with full jitter (backoff.ts, Connection). */
  backoff: BackoffOptions;
  /**
   * ms without any frame from the server after which the socket counts as dead and is replaced
   * (silence.ts, Connection); 0 turns it off. The Pinger's pongs (one a second) keep it fed.
   */
  silenceTimeoutMs: number;
  /**
   * ms a tab may stay hidden before the player closes its stream (visibility.ts); it reconnects
   * when the tab is shown again. A tab playing sound is kept. 0: never suspend.
   */
  backgroundSuspendMs: number;
  /** Clock probe schedule (pinger.ts). */
  ping: PingerOptions;
  /** When to fall back to progressive playback and how to wait for an MP4 copy (progressive.ts). */
  progressive: ProgressiveOptions;
  /** ms between live-edge checks (Player tick). */
  tickMs: number;
  /** ms between back-buffer trims (Player tick). */
  trimIntervalMs: number;
  /** Width of the bitrate window, ms (stats().bitrateBps). */
  bitrateWindowMs: number;
  /** Clock samples competing for the best offset (clock.ts). */
  clockWindow: number;
  /** Errors kept for stats().errors. */
  maxErrors: number;
  /** Media pipeline rebuilds allowed within recoveryWindowMs before an error becomes fatal (Player). */
  maxRecoveries: number;
  /** ms; see maxRecoveries. */
  recoveryWindowMs: number;
  /** Call play() once media is buffered (muted if the autoplay policy demands it). */
  autoplay: boolean;
  /** Control token sent in `hello` (makes the session a controller); null: a plain viewer (Player). */
  token: string | null;
  /** ms to wait for `ack` / `error` before command() gives up with COMMAND_TIMEOUT (commands.ts). */
  commandTimeoutMs: number;
  /** ms between `report` messages to the server, shown on the dashboard (Player tick). */
  reportIntervalMs: number;
}

export type PlayerOptions = Partial<Omit<PlayerConfig, 'liveEdge' | 'sync' | 'buffer' | 'backoff' | 'ping' | 'progressive'>> & {
  liveEdge?: Partial<LiveEdgeOptions>;
  sync?: Partial<SyncOptions>;
  buffer?: Partial<SourceBufferQueueOptions>;
  backoff?: Partial<BackoffOptions>;
  ping?: Partial<PingerOptions>;
  progressive?: Partial<ProgressiveOptions>;
};

export const DEFAULT_PLAYER_CONFIG: Readonly<PlayerConfig> = {
  url: null,
  server: null,
  liveEdge: DEFAULT_LIVE_EDGE_OPTIONS,
  sync: DEFAULT_SYNC_OPTIONS,
  buffer: DEFAULT_QUEUE_OPTIONS,
  backoff: DEFAULT_BACKOFF,
  silenceTimeoutMs: DEFAULT_SILENCE_TIMEOUT_MS,
  backgroundSuspendMs: 60_000,
  ping: DEFAULT_PINGER_OPTIONS,
  progressive: DEFAULT_PROGRESSIVE_OPTIONS,
  tickMs: 200,
  trimIntervalMs: 1000,
  bitrateWindowMs: 5000,
  clockWindow: 8,
  maxErrors: 20,
  maxRecoveries: 3,
  recoveryWindowMs: 60_000,
  autoplay: true,
  token: null,
  commandTimeoutMs: 5000,
  reportIntervalMs: 1000,
};

/** Merges options over the defaults; throws TypeError for illegal values. */
export function resolvePlayerConfig(options: PlayerOptions = {}): PlayerConfig {
  const d = DEFAULT_PLAYER_CONFIG;
  const config: PlayerConfig = {
    ...d,
    ...options,
    server: options.server == null ? null : normalizeServerBase(options.server),
    liveEdge: resolveLiveEdgeOptions(options.liveEdge),
    sync: resolveSyncOptions(options.sync),
    buffer: { ...d.buffer, ...options.buffer },
    backoff: { ...d.backoff, ...options.backoff },
    ping: { ...d.ping, ...options.ping },
    progressive: { ...d.progressive, ...options.progressive },
  };
  for (const key of ['tickMs', 'trimIntervalMs', 'bitrateWindowMs', 'clockWindow', 'maxErrors', 'commandTimeoutMs', 'reportIntervalMs'] as const) {
    if (!(config[key] > 0)) throw new TypeError(`player: ${key} must be > 0, got ${config[key]}`);
  }
  checkBackoffOptions(config.backoff);
  for (const key of ['silenceTimeoutMs', 'backgroundSuspendMs'] as const) {
    if (!(config[key] >= 0)) throw new TypeError(`player: ${key} must be ≥ 0 (0: off), got ${config[key]}`);
  }
  // A silence window shorter than the ping interval would close healthy but quiet sockets.
  if (config.silenceTimeoutMs > 0 && config.silenceTimeoutMs <= 2 * config.ping.intervalMs) {
    throw new TypeError(`player: silenceTimeoutMs (${config.silenceTimeoutMs}) must exceed twice ping.intervalMs (${config.ping.intervalMs})`);
  }
  if (!(config.progressive.socketFailures >= 1)) throw new TypeError('player: progressive.socketFailures must be ≥ 1');
  if (config.buffer.quotaKeepSec <= config.liveEdge.targetDelaySec) {
    throw new TypeError('player: buffer.quotaKeepSec must exceed liveEdge.targetDelaySec');
  }
  return config;
}
