/**
 * A tiny structured logger: one line per event, `level scope message key=value…`.
 * Kept dependency-free; LOG_LEVEL=debug|info|warn|error|silent picks the floor.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

function floor(): number {
  const env = process.env['LOG_LEVEL'] as LogLevel | undefined;
  return LEVELS[env && env in LEVELS ? env : 'info'];
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

function format(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null)}`)
    .join('');
}

export function createLogger(scope = 'pushcast'): Logger {
  const write = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < floor()) return;
    const line = `${new Date().toISOString()} ${level.padEnd(5)} [${scope}] ${msg}${format(fields)}\n`;
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (sub) => createLogger(`${scope}:${sub}`),
  };
}
