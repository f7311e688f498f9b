/**
 * The human form of a log line, for a person watching a terminal:
 *   12:04:31.207 INFO  [pushcast:channel] starting ffmpeg channel="tp" video="avc1.64001f"
 * with an Error's stack on the lines below. Machines get pino's JSON lines unchanged.
 *
 * Our own ~60 lines rather than pino-pretty: pino-pretty as a transport runs in a worker thread
 * and writes asynchronously (a line logged just before `process.exit()` can be lost), and as a
 * production dependency it brings a dozen packages for one line format. This formatter runs in
 * the logging thread and writes synchronously to the same destination as the JSON lines would.
 */

const LEVEL_COLOR: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Keys the line prefix shows already. */
const HEAD_KEYS = new Set(['level', 'time', 'msg', 'scope', 'pid']);

function clock(time: unknown): string {
  const d = new Date(typeof time === 'string' || typeof time === 'number' ? time : Date.now());
  return Number.isNaN(d.getTime()) ? String(time) : d.toISOString().slice(11, 23);
}

function isStackHolder(v: unknown): v is { stack: string } {
  return typeof v === 'object' && v !== null && typeof (v as { stack?: unknown }).stack === 'string';
}

/** One parsed JSON line (as log.ts writes it) → the text a person reads, ending in '\n'. */
export function formatPretty(line: Record<string, unknown>, color: boolean): string {
  const level = typeof line['level'] === 'string' ? line['level'] : String(line['level']);
  const paint = (code: string | undefined, text: string): string => (color && code ? `${code}${text}${RESET}` : text);
  let out = `${paint(DIM, clock(line['time']))} ${paint(LEVEL_COLOR[level], level.toUpperCase().padEnd(5))} [${String(line['scope'] ?? '')}] ${String(line['msg'] ?? '')}`;
  const stacks: string[] = [];
  for (const [k, v] of Object.entries(line)) {
    if (HEAD_KEYS.has(k)) continue;
    if (isStackHolder(v)) {
      // An Error: its message inline, its stack (which repeats the message) below the line.
      stacks.push(v.stack);
      const { stack: _stack, ...rest } = v;
      out += ` ${k}=${JSON.stringify(rest)}`;
    } else {
      out += ` ${k}=${JSON.stringify(v)}`;
    }
  }
  for (const stack of stacks) out += `\n    ${stack.split('\n').join('\n    ')}`;
  return `${out}\n`;
}

/** A sink that turns pino's JSON lines into `formatPretty` text on `out`. */
/** Where log lines go (log.ts writes to one; the pretty form wraps another). */
export interface LogSink {
  write(line: string): void;
}

export function prettySink(out: LogSink, color: boolean): LogSink {
  return {
    write(chunk: string): void {
      let parsed: unknown;
      try {
        parsed = JSON.parse(chunk);
      } catch {
        out.write(chunk); // not ours: pass it through rather than lose it
        return;
      }
      out.write(typeof parsed === 'object' && parsed !== null ? formatPretty(parsed as Record<string, unknown>, color) : chunk);
    },
  };
}
