/**
 * One typed configuration. Precedence, lowest first: DEFAULTS < --config file < environment < CLI flags.
 * `resolveConfig` is pure (the file reader is injected) and throws ConfigError for anything illegal,
 * so `main.ts` can print one clear line and exit non-zero.
 */
import { validateCorsOrigins } from '../http/cors.js';
import { isChannelId } from '../core/protocol.js';

/** A comma-separated env list ("a, b") as an array; empty for unset. */
function splitList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export type TranscodePolicy = 'auto' | 'always' | 'never';

export interface ChannelConfig {
  id: string;
  /** Any ffmpeg input: a file path, or udp:// rtsp:// rtmp:// srt:// http(s):// … */
  source: string;
  /** Keep ffmpeg running with no viewers (always-on channel). */
  keepAlive?: boolean;
  /** auto: copy H.264/AAC/MP3/Opus, transcode the rest (decided from a probe). */
  transcode?: TranscodePolicy;
  /** Any viewer may play / pause / seek this channel, without the control token. */
  openControl?: boolean;
}

export interface Config {
  /** HTTP + WebSocket port (used by server.ts). 0 picks a free port. */
  port: number;
  /** Listen address (server.ts). */
  host: string;
  /** Folder of video files; each becomes a looping channel and is served under /vod/ (channels.ts, vod). */
  mediaDir: string;
  /** Folder for generated files: faststart/remuxed copies (vod). */
  cacheDir: string;
  /**
   * Folder of pushcast's state (store/): the SQLite database (comments, runtime channels, uploads,
   * playheads, the generated control token) and unfinished uploads. `--data`, env DATA_DIR.
   */
  dataDir: string;
  /** Built web assets served at / (http/static.ts). */
  webDir: string;
  /** Serve the web side through Vite's dev server instead of webDir (npm run dev). */
  dev: boolean;
  /** Add the built-in `test` channel: ffmpeg test pattern + tone + wall clock (channels.ts). */
  testPattern: boolean;
  /** Extra channels from --channel / the config file (channels.ts). */
  channels: ChannelConfig[];
  /** Explicit ffmpeg binary; otherwise FFMPEG_PATH → ffmpeg-static → PATH (ffmpeg/locate.ts). */
  ffmpegPath: string | null;
  /**
   * Token that makes a client a controller (play / pause / seek, dashboard). Env CONTROL_TOKEN.
   * null: main.ts generates one at startup and prints it with the dashboard's URL (control/auth.ts).
   */
  controlToken: string | null;
  /**
   * Target fragment duration in ms; ffmpeg cuts at this and at every keyframe (ffmpeg/args.ts).
   * 100: a frame waits at most this long in the muxer before it can leave (200 cost ~100 ms of
   * glass-to-glass delay in bench/delay.ts); 3 frames at 30 fps.
   */
  fragmentMs: number;
  /** Keyframe interval in seconds when we transcode (ffmpeg/args.ts). */
  keyframeIntervalSec: number;
  /** How long ffmpeg keeps running after the last viewer leaves, ms (channel.ts). */
  idleStopMs: number;
  /** ms between SIGTERM and SIGKILL when stopping ffmpeg (fragmenter.ts). */
  stopTimeoutMs: number;
  /** First retry delay after a source dies, ms; doubles up to restartMaxMs (channel.ts). */
  restartMinMs: number;
  restartMaxMs: number;
  /** GOP cache cap per channel, bytes; past it the cache is dropped until the next keyframe (channel.ts). */
  gopCacheMaxBytes: number;
  /** A viewer whose socket buffers more than this (bytes) skips to the next keyframe (session.ts). */
  sessionMaxBufferedBytes: number;
  /** Cache-Control for /vod/ responses (http/vod.ts). */
  vodCacheControl: string;
  /**
   * Origins other than the server's own that may open the WebSocket and read any HTTP route
   * cross-origin (CORS); ['*'] for any. Same-origin requests are always allowed (server.ts,
   * http/origin.ts, http/cors.ts). `corsOrigins` is the older name and is merged in.
   */
  allowedOrigins: string[];
  /** Older name of allowedOrigins (kept so existing config files keep working). */
  corsOrigins: string[];
  /** WebSocket ping interval, ms; a client that has not answered the previous ping is terminated (server.ts). */
  heartbeatMs: number;
  /** Client messages per second per connection, after a burst of messageBurst; RATE_LIMITED beyond (session.ts). */
  messagesPerSecond: number;
  messageBurst: number;
  /** Concurrent WebSockets per client IP; more are refused with HTTP 429 TOO_MANY_CONNECTIONS (server.ts). */
  maxConnectionsPerIp: number;
  /** Viewers per channel; a join beyond answers CHANNEL_FULL (channel.ts). */
  maxViewersPerChannel: number;
  /** Concurrent ffmpeg processes over all channels; a channel beyond answers BUSY and retries (channels.ts). */
  maxFfmpeg: number;
  /** A viewer that keeps skipping fragments for this long is closed with 4001 (session.ts), ms. */
  overloadCloseMs: number;
  /** No ffmpeg output for this long counts as a dead source, ms (fragmenter.ts). */
  stallTimeoutMs: number;
  /** An ffprobe that has not answered by then is killed and counts as a failed start, ms (ffmpeg/probe.ts). */
  probeTimeoutMs: number;
  /** Failed starts in a row before a channel goes from `retrying` to `error` (channel.ts). */
  maxStartAttempts: number;
  /** Retry interval once a channel is in `error`, ms (channel.ts). */
  errorRetryMs: number;
  /** Graceful shutdown: in-flight HTTP responses get this long before the process exits anyway, ms (main.ts). */
  shutdownTimeoutMs: number;
  /** Largest upload accepted at /api/uploads, bytes; a larger Upload-Length answers 413 (upload/uploads.ts). */
  uploadMaxBytes: number;
  /** An unfinished upload is removed this long after its creation, ms; 0 keeps it forever (upload/uploads.ts). */
  uploadExpiryMs: number;
  /**
   * URL schemes a channel added at runtime (POST /api/channels) may use (channel/source-policy.ts);
   * env ALLOWED_SOURCE_SCHEMES. Schemes that read local files or run things (file, concat, pipe …,
   * NEVER_SOURCE_SCHEMES) are refused here even if listed. Config-file channels are not limited.
   */
  allowedSourceSchemes: string[];
}

export const DEFAULTS: Readonly<Config> = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  mediaDir: './media',
  cacheDir: './.cache',
  dataDir: './data',
  webDir: './dist/web',
  dev: false,
  testPattern: true,
  channels: [],
  ffmpegPath: null,
  controlToken: null,
  fragmentMs: 100,
  keyframeIntervalSec: 1,
  idleStopMs: 10_000,
  stopTimeoutMs: 3_000,
  restartMinMs: 1_000,
  restartMaxMs: 30_000,
  gopCacheMaxBytes: 16 * 1024 * 1024,
  sessionMaxBufferedBytes: 4 * 1024 * 1024,
  vodCacheControl: 'public, max-age=60',
  allowedOrigins: [],
  corsOrigins: [],
  heartbeatMs: 15_000,
  messagesPerSecond: 20,
  messageBurst: 40,
  maxConnectionsPerIp: 32,
  maxViewersPerChannel: 1000,
  maxFfmpeg: 16,
  overloadCloseMs: 10_000,
  stallTimeoutMs: 20_000,
  probeTimeoutMs: 15_000,
  maxStartAttempts: 5,
  errorRetryMs: 60_000,
  shutdownTimeoutMs: 5_000,
  uploadMaxBytes: 8 * 1024 ** 3,
  uploadExpiryMs: 24 * 60 * 60 * 1000,
  allowedSourceSchemes: ['udp', 'rtp', 'rtsp', 'rtsps', 'rtmp', 'rtmps', 'srt', 'http', 'https'],
});

/**
 * ffmpeg protocols that read local files, other processes' data or nested inputs (concat:a|b,
 * subfile, cache:, crypto: …): never a runtime channel's scheme, whatever allowedSourceSchemes says.
 */
export const NEVER_SOURCE_SCHEMES: readonly string[] = [
  'file', 'concat', 'concatf', 'pipe', 'fd', 'subfile', 'data', 'cache', 'async', 'crypto', 'tee', 'md5',
  'lavfi', 'unix', 'bluray', 'android_content', 'fifo',
];

/** The one Origin allowlist in force: allowedOrigins plus the older corsOrigins, without repeats. */
export function originAllowlist(c: Pick<Config, 'allowedOrigins' | 'corsOrigins'>): string[] {
  return [...new Set([...c.allowedOrigins, ...c.corsOrigins])];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const USAGE = `Usage: pushcast [options]
  --port <n>              HTTP/WebSocket port (env PORT, default 8080)
  --host <addr>           listen address (env HOST, default 0.0.0.0)
  --media <dir>           media folder (env MEDIA_DIR, default ./media)
  --data <dir>            state folder: database, unfinished uploads (env DATA_DIR, default ./data)
  --config <file.json>    JSON file with any Config field, e.g. {"channels":[{"id":"cam","source":"rtsp://…"}]}
  --channel <id>=<source> add a channel (repeatable); source is anything ffmpeg reads
  --no-test-pattern       do not add the built-in "test" channel
  --dev                   serve the web side through Vite's dev server
  --help                  print this text`;

export interface ResolveInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  readFile: (path: string) => string;
}

function parsePort(raw: string, from: string): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${from}: port must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n > 65535) throw new ConfigError(`${from}: port must be 0–65535, got ${n}`);
  return n;
}

function parseChannelFlag(raw: string): ChannelConfig {
  const eq = raw.indexOf('=');
  if (eq <= 0 || eq === raw.length - 1) throw new ConfigError(`--channel expects <id>=<source>, got "${raw}"`);
  return { id: raw.slice(0, eq), source: raw.slice(eq + 1) };
}

const NUMERIC_KEYS = [
  'port', 'fragmentMs', 'keyframeIntervalSec', 'idleStopMs', 'stopTimeoutMs', 'restartMinMs', 'restartMaxMs',
  'gopCacheMaxBytes', 'sessionMaxBufferedBytes', 'heartbeatMs', 'messagesPerSecond', 'messageBurst',
  'maxConnectionsPerIp', 'maxViewersPerChannel', 'maxFfmpeg', 'overloadCloseMs', 'stallTimeoutMs',
  'probeTimeoutMs', 'maxStartAttempts', 'errorRetryMs', 'shutdownTimeoutMs', 'uploadMaxBytes', 'uploadExpiryMs',
] as const;
/** Limits where 0 would lock everyone out or spin: at least 1. */
const POSITIVE_KEYS = ['messagesPerSecond', 'messageBurst', 'maxConnectionsPerIp', 'maxViewersPerChannel', 'maxFfmpeg', 'maxStartAttempts', 'heartbeatMs', 'probeTimeoutMs'] as const;

/** Validates a partial config read from a JSON file: known keys with the right types only. */
function checkFileConfig(value: unknown, file: string): Partial<Config> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${file}: must hold a JSON object`);
  }
  const known = new Set(Object.keys(DEFAULTS));
  for (const [key, v] of Object.entries(value)) {
    if (!known.has(key)) throw new ConfigError(`${file}: unknown key "${key}"`);
    const expected = key === 'channels' || key === 'corsOrigins' || key === 'allowedOrigins' || key === 'allowedSourceSchemes' ? 'array' : key === 'ffmpegPath' || key === 'controlToken' ? 'string' : typeof DEFAULTS[key as keyof Config];
    const actual = Array.isArray(v) ? 'array' : typeof v;
    if (actual !== expected && !((key === 'ffmpegPath' || key === 'controlToken') && v === null)) {
      throw new ConfigError(`${file}: "${key}" must be ${expected}, got ${actual}`);
    }
  }
  return value as Partial<Config>;
}

const CHANNEL_KEYS: readonly string[] = ['id', 'source', 'keepAlive', 'transcode', 'openControl'];

function validate(c: Config): Config {
  for (const key of NUMERIC_KEYS) {
    const v = c[key];
    if (!Number.isFinite(v) || v < 0) throw new ConfigError(`${key} must be a non-negative number, got ${v}`);
  }
  for (const key of POSITIVE_KEYS) {
    if (!(c[key] >= 1)) throw new ConfigError(`${key} must be at least 1, got ${c[key]}`);
  }
  // parsePort covers CLI and env; a file's port is a JSON number and needs the same check.
  if (!Number.isInteger(c.port) || c.port > 65535) throw new ConfigError(`port must be a whole number 0–65535, got ${c.port}`);
  if (c.fragmentMs < 20 || c.fragmentMs > 10_000) throw new ConfigError(`fragmentMs must be 20–10000, got ${c.fragmentMs}`);
  if (c.keyframeIntervalSec <= 0 || c.keyframeIntervalSec > 10) throw new ConfigError(`keyframeIntervalSec must be in (0, 10]`);
  if (c.restartMinMs > c.restartMaxMs) throw new ConfigError('restartMinMs must not exceed restartMaxMs');
  const ids = new Set<string>();
  for (const ch of c.channels) {
    if (typeof ch !== 'object' || ch === null || typeof ch.id !== 'string' || typeof ch.source !== 'string') {
      throw new ConfigError('each channel needs a string "id" and "source"');
    }
    const extra = Object.keys(ch).find((k) => !CHANNEL_KEYS.includes(k));
    if (extra !== undefined) throw new ConfigError(`channel "${ch.id}": unknown key "${extra}"`);
    if (ch.keepAlive !== undefined && typeof ch.keepAlive !== 'boolean') throw new ConfigError(`channel "${ch.id}": keepAlive must be true or false`);
    if (ch.openControl !== undefined && typeof ch.openControl !== 'boolean') throw new ConfigError(`channel "${ch.id}": openControl must be true or false`);
    if (!isChannelId(ch.id)) throw new ConfigError(`channel id "${ch.id}" may only use letters, digits, . _ - (≤ 128)`);
    if (ch.id === 'test' && c.testPattern) throw new ConfigError('channel id "test" is taken by the test pattern (use --no-test-pattern)');
    if (ids.has(ch.id)) throw new ConfigError(`channel id "${ch.id}" is defined twice`);
    if (ch.source.trim() === '') throw new ConfigError(`channel "${ch.id}" has an empty source`);
    if (ch.transcode !== undefined && !['auto', 'always', 'never'].includes(ch.transcode)) {
      throw new ConfigError(`channel "${ch.id}": transcode must be auto, always or never`);
    }
    ids.add(ch.id);
  }
  if (!c.corsOrigins.every((o) => typeof o === 'string')) throw new ConfigError('corsOrigins must be strings');
  if (!c.allowedOrigins.every((o) => typeof o === 'string')) throw new ConfigError('allowedOrigins must be strings');
  try {
    validateCorsOrigins(originAllowlist(c));
  } catch (err) {
    throw new ConfigError((err as Error).message.replace(/^corsOrigins/, 'allowedOrigins'));
  }
  for (const s of c.allowedSourceSchemes) {
    if (typeof s !== 'string' || !/^[a-z][a-z0-9+.-]{0,31}$/.test(s)) throw new ConfigError(`allowedSourceSchemes: "${String(s)}" is not a lowercase URL scheme`);
    if (NEVER_SOURCE_SCHEMES.includes(s)) throw new ConfigError(`allowedSourceSchemes: "${s}" reads local files or nested inputs and is never allowed`);
  }
  if (c.controlToken !== null && c.controlToken.length < 8) throw new ConfigError('controlToken (CONTROL_TOKEN) must have at least 8 characters');
  return c;
}

/** Returns the config, `'help'` when --help was asked, or throws ConfigError. */
export function resolveConfig({ argv, env, readFile }: ResolveInput): Config | 'help' {
  const flags: Partial<Config> = {};
  const cliChannels: ChannelConfig[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') && !arg.startsWith('--channel=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : arg.startsWith('--channel=') ? ['--channel', arg.slice('--channel='.length)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`${name} needs a value`);
      return next;
    };
    // A switch takes no value: "--dev=false" must not quietly turn dev mode on.
    const isSwitch = name === '--help' || name === '-h' || name === '--no-test-pattern' || name === '--dev';
    if (isSwitch && inline !== undefined) throw new ConfigError(`${name} takes no value, got "${arg}"`);
    switch (name) {
      case '--help': case '-h': return 'help';
      case '--port': flags.port = parsePort(value(), '--port'); break;
      case '--host': flags.host = value(); break;
      case '--media': flags.mediaDir = value(); break;
      case '--data': flags.dataDir = value(); break;
      case '--config': configFile = value(); break;
      case '--channel': cliChannels.push(parseChannelFlag(value())); break;
      case '--no-test-pattern': flags.testPattern = false; break;
      case '--dev': flags.dev = true; break;
      default: throw new ConfigError(`unknown option "${arg}" (see --help)`);
    }
  }

  let fromFile: Partial<Config> = {};
  if (configFile !== undefined) {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (err) {
      throw new ConfigError(`--config ${configFile}: cannot read (${(err as Error).message})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`--config ${configFile}: invalid JSON (${(err as Error).message})`);
    }
    fromFile = checkFileConfig(parsed, configFile);
  }

  const fromEnv: Partial<Config> = {};
  if (env['PORT'] !== undefined && env['PORT'] !== '') fromEnv.port = parsePort(env['PORT'], 'PORT');
  if (env['HOST']) fromEnv.host = env['HOST'];
  if (env['MEDIA_DIR']) fromEnv.mediaDir = env['MEDIA_DIR'];
  if (env['DATA_DIR']) fromEnv.dataDir = env['DATA_DIR'];
  if (env['FFMPEG_PATH']) fromEnv.ffmpegPath = env['FFMPEG_PATH'];
  if (env['CONTROL_TOKEN']) fromEnv.controlToken = env['CONTROL_TOKEN'];

  const merged: Config = {
    ...DEFAULTS,
    ...fromFile,
    ...fromEnv,
    ...flags,
    channels: [...(fromFile.channels ?? []), ...cliChannels].map((c) => ({ ...c })),
    corsOrigins: [...(fromFile.corsOrigins ?? DEFAULTS.corsOrigins)],
    allowedOrigins: [...(fromFile.allowedOrigins ?? DEFAULTS.allowedOrigins), ...splitList(env['ALLOWED_ORIGINS'])],
    allowedSourceSchemes: env['ALLOWED_SOURCE_SCHEMES'] ? splitList(env['ALLOWED_SOURCE_SCHEMES']) : [...(fromFile.allowedSourceSchemes ?? DEFAULTS.allowedSourceSchemes)],
  };
  return validate(merged);
}
