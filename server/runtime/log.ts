/**
 * Structured logs: one JSON object per line (pino), e.g.
 *   {"level":"info","time":"2025-01-01T12:00:00.000Z","pid":42,"scope":"pushcast:channel","channel":"tp","msg":"starting ffmpeg"}
 * Fields stay top-level keys, so every line of a channel or a session carries its `channel` /
 * `session` id and a log shipper can filter on them.
 *
 * - Level: LOG_LEVEL=debug|info|warn|error|silent, default `info` (quiet: one line per channel
 *   start and state change). Tests run with `warn` (vitest.config.ts).
 * - Format: JSON, except when a person runs it in a terminal (stdout is a TTY and CI is unset):
 *   then the one-line text of log-pretty.ts. LOG_FORMAT=json|pretty overrides the guess.
 * - Secrets: the message and every field value, at any depth and every level, go through
 *   redact.ts (pino's `hooks.logMethod` for the message, `formatters.log` for the fields), bounded
 *   by log-fields.ts so no value can make a log call throw or hang.
 * - Streams: debug and info on stdout, warn and error on stderr, as before pino.
 * - Writes are synchronous (pino.destination with sync: true; pino's own stdout default is an
 *   asynchronous SonicBoom flushed from an 'exit' hook): the line of a fatal error is written
 *   before a `process.exit()` that follows it, and nothing is buffered if the process aborts.
 *
 * The `Logger` interface is what call sites see; pino stays behind it.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { boundedMask, safeFields } from './log-fields.js';
import { prettySink, type LogSink } from './log-pretty.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type LineLevel = Exclude<LogLevel, 'silent'>;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * A logger whose lines say `scope: "<parent>:<scope>"`; `bindings` (e.g. `{ session: id }`) are
   * added to every line it writes (a field of the same name in one call wins for that line).
   */
  child(scope: string, bindings?: Record<string, unknown>): Logger;
}

/** Where lines go: pino's SonicBoom, a pretty sink, or a test's array. */
export type { LogSink } from './log-pretty.js';

export interface LoggerOptions {
  /** Default: LOG_LEVEL, else `info`. */
  level?: LogLevel;
  /** Default: stdout (debug, info) and stderr (warn, error), written synchronously. */
  destination?: LogSink;
  /** Default: `wantsPretty(process.env, process.stdout.isTTY)` when writing to stdout, else false. */
  pretty?: boolean;
}

/** Keys of the line itself; a field with one of these names is written as `_<name>`. */
const RESERVED = new Set(['level', 'time', 'msg', 'pid', 'scope']);

/** LOG_LEVEL → level; unknown or unset values mean `info` (the default stays quiet). */
export function levelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const v = env['LOG_LEVEL']?.trim().toLowerCase();
  return LOG_LEVELS.find((l) => l === v) ?? 'info';
}

/** Pretty text only for a person at a terminal: stdout is a TTY and not CI, unless LOG_FORMAT says. */
export function wantsPretty(env: NodeJS.ProcessEnv, stdoutIsTty: boolean | undefined): boolean {
  const format = env['LOG_FORMAT']?.trim().toLowerCase();
  if (format === 'json') return false;
  if (format === 'pretty') return true;
  const ci = env['CI'];
  return stdoutIsTty === true && (ci === undefined || ci === '' || ci === 'false' || ci === '0');
}

let stdio: { out: LogSink; err: LogSink } | null = null;
/** One synchronous writer each on fd 1 and fd 2, shared by every logger of the process. */
function stdioSinks(): { out: LogSink; err: LogSink } {
  stdio ??= { out: pino.destination({ dest: 1, sync: true }), err: pino.destination({ dest: 2, sync: true }) };
  return stdio;
}

/**
 * debug and info lines on stdout, warn and error on stderr (as pushcast always did: scripts
 * count a server's warnings on its stderr). `dedupe` sends each line to one stream only.
 */
function processSink(pretty: boolean): LogSink {
  const { out, err } = stdioSinks();
  return pino.multistream(
    [
      { level: 'debug', stream: pretty ? prettySink(out, process.stdout.isTTY === true) : out },
      { level: 'warn', stream: pretty ? prettySink(err, process.stderr.isTTY === true) : err },
    ],
    { dedupe: true },
  );
}

/** The last resort when pino itself throws (a destination that fails): one line on stderr. */
function fallback(level: string, msg: string, err: unknown): void {
  try {
    const line = { level, time: new Date().toISOString(), msg: boundedMask(String(msg)), logError: boundedMask(String(err)) };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  } catch {
    // stderr is gone too: nothing left to report to
  }
}

function createRoot(level: LogLevel, sink: LogSink): PinoLogger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // log-fields.ts has already turned Errors into { type, message, stack }; pino's own `err`
      // serializer would rename the type to "Object".
      serializers: { err: (v: unknown) => v },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => safeFields(bindings, new Set()),
        log: (fields) => safeFields(fields, RESERVED),
      },
      hooks: {
        // Messages (and any format arguments) are masked before pino interpolates them.
        logMethod(args, method) {
          const masked = args.map((a: unknown) => (typeof a === 'string' ? boundedMask(a) : a));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    sink,
  );
}

function wrap(root: PinoLogger, node: PinoLogger, scope: string, bindings: Record<string, unknown>): Logger {
  const hasBindings = Object.keys(bindings).length > 0;
  const at = (level: LineLevel) => (msg: string, fields?: Record<string, unknown>): void => {
    if (!node.isLevelEnabled(level)) return;
    try {
      // Bindings are merged here rather than made pino bindings: a call's field of the same name
      // then replaces the binding instead of writing the key twice into one JSON object.
      const merged = hasBindings ? { ...bindings, ...fields } : fields ?? {};
      node[level](merged, typeof msg === 'string' ? msg : String(msg));
    } catch (err) {
      fallback(level, msg, err);
    }
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child(sub, extra) {
      const full = `${scope}:${sub}`;
      const merged = extra ? { ...bindings, ...extra } : bindings;
      // Built from the root, not from `node`: pino would repeat a `scope` key per generation.
      return wrap(root, root.child({ scope: full }), full, merged);
    },
  };
}

/** The process logger (and tests' stand-ins): `createLogger()` → scope `pushcast`. */
export function createLogger(scope = 'pushcast', options: LoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv(process.env);
  let sink = options.destination;
  if (!sink) sink = processSink(options.pretty ?? wantsPretty(process.env, process.stdout.isTTY));
  else if (options.pretty) sink = prettySink(sink, false);
  const root = createRoot(level, sink);
  return wrap(root, root.child({ scope }), scope, {});
}

/** One parsed line as a memory logger keeps it. */
export type LogLine = Record<string, unknown> & { level: LineLevel; msg: string; time: string; scope: string };

/** A logger whose JSON lines land in `lines` (parsed) and `raw` (as written): for tests. */
export function createMemoryLogger(options: { level?: LogLevel; scope?: string } = {}): { log: Logger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const sink: LogSink = {
    write(line) {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  };
  return { log: createLogger(options.scope ?? 'pushcast', { level: options.level ?? 'debug', destination: sink }), lines, raw };
}
