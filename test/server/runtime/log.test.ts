/**
 * server/log.ts: pino JSON lines behind the small `Logger` interface. Lines are captured with a
 * memory destination (parsed and raw), so every assertion is on what would reach stdout.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, createMemoryLogger, levelFromEnv, wantsPretty, type LogLevel, type LogSink } from '../../../server/runtime/log.js';
import { LIMITS } from '../../../server/runtime/log-fields.js';
import { addSecret, clearSecrets } from '../../../server/runtime/redact.js';

const URL_WITH_PASSWORD = 'http://admin:S3cretPW@h/x';

afterEach(() => {
  clearSecrets();
  vi.restoreAllMocks();
});

describe('line shape', () => {
  it('writes one JSON object per line with level, ISO time, pid, scope, msg and top-level fields', () => {
    const { log, lines, raw } = createMemoryLogger();
    log.info('channel running', { channel: 'tp', epoch: 3, mime: 'video/mp4; codecs="avc1.64001f"' });
    expect(raw).toHaveLength(1);
    expect(raw[0]?.endsWith('\n')).toBe(true);
    expect(raw[0]?.trimEnd()).not.toContain('\n');
    const line = lines[0];
    expect(line).toMatchObject({ level: 'info', scope: 'pushcast', msg: 'channel running', channel: 'tp', epoch: 3, pid: process.pid });
    expect(line?.mime).toBe('video/mp4; codecs="avc1.64001f"');
    expect(Date.parse(line?.time ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('a line without fields has only the line keys', () => {
    const { log, lines } = createMemoryLogger();
    log.warn('no font found');
    expect(Object.keys(lines[0] ?? {}).sort()).toEqual(['level', 'msg', 'pid', 'scope', 'time']);
  });

  it('a field named like a line key is renamed, not allowed to overwrite it', () => {
    const { log, lines, raw } = createMemoryLogger();
    log.error('odd fields', { level: 'debug', msg: 'fake', time: 0, scope: 'other' });
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'odd fields', scope: 'pushcast', _level: 'debug', _msg: 'fake', _time: 0, _scope: 'other' });
    expect(raw[0]?.match(/"level":/g)).toHaveLength(1);
  });
});

describe('levels', () => {
  const ALL = ['debug', 'info', 'warn', 'error'] as const;
  it.each<[LogLevel, string[]]>([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ])('floor %s writes %j', (level, expected) => {
    const { log, lines } = createMemoryLogger({ level });
    for (const l of ALL) log[l](`at ${l}`);
    expect(lines.map((l) => l.level)).toEqual(expected);
  });

  it.each<[string | undefined, LogLevel]>([
    [undefined, 'info'],
    ['', 'info'],
    ['debug', 'debug'],
    ['WARN', 'warn'],
    [' error ', 'error'],
    ['silent', 'silent'],
    ['verbose', 'info'],
    ['trace', 'info'],
  ])('LOG_LEVEL=%j → %s', (value, expected) => {
    expect(levelFromEnv(value === undefined ? {} : { LOG_LEVEL: value })).toBe(expected);
  });

  it('createLogger reads LOG_LEVEL when no level is given (the test config sets warn)', () => {
    const written: string[] = [];
    const log = createLogger('t', { destination: { write: (l) => void written.push(l) } });
    log.info('quiet');
    log.warn('loud');
    expect(process.env['LOG_LEVEL']).toBe('warn');
    expect(written.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['loud']);
  });
});

describe('child loggers', () => {
  it('child(scope) extends the scope; grandchildren keep one scope key', () => {
    const { log, lines, raw } = createMemoryLogger();
    log.child('channel').info('a');
    log.child('channel').child('ffmpeg').info('b');
    expect(lines.map((l) => l.scope)).toEqual(['pushcast:channel', 'pushcast:channel:ffmpeg']);
    expect(raw[1]?.match(/"scope":/g)).toHaveLength(1);
  });

  it('bindings go on every line of the child and its children; a field of the same name wins once', () => {
    const { log, lines, raw } = createMemoryLogger();
    const session = log.child('session', { session: 's-1' });
    session.info('joined', { channel: 'tp' });
    session.child('control', { role: 'operator' }).info('command');
    session.info('moved', { session: 's-2' });
    expect(lines[0]).toMatchObject({ scope: 'pushcast:session', session: 's-1', channel: 'tp' });
    expect(lines[1]).toMatchObject({ scope: 'pushcast:session:control', session: 's-1', role: 'operator' });
    expect(lines[2]?.session).toBe('s-2');
    expect(raw[2]?.match(/"session":/g)).toHaveLength(1);
  });
});

describe('secrets are masked at every level', () => {
  it.each(['debug', 'error'] as const)('at %s: in the message, nested fields, arrays, bindings and Error stacks', (level) => {
    const { log, lines, raw } = createMemoryLogger({ level: 'debug' });
    log.child('channel', { source: URL_WITH_PASSWORD })[level](`ffmpeg failed on ${URL_WITH_PASSWORD}`, {
      command: `ffmpeg -i ${URL_WITH_PASSWORD} -f mp4 pipe:1`,
      nested: { deeper: { list: ['ok', { url: URL_WITH_PASSWORD }] } },
      error: new Error(`Connection refused: ${URL_WITH_PASSWORD}`),
    });
    expect(raw.join('')).not.toContain('S3cretPW');
    const line = lines[0]!;
    expect(line.msg).toBe('ffmpeg failed on http://***@h/x');
    expect(line.source).toBe('http://***@h/x');
    expect(line.command).toBe('ffmpeg -i http://***@h/x -f mp4 pipe:1');
    expect((line.nested as { deeper: { list: unknown[] } }).deeper.list[1]).toEqual({ url: 'http://***@h/x' });
    const error = line.error as { type: string; message: string; stack: string };
    expect(error.type).toBe('Error');
    expect(error.message).toBe('Connection refused: http://***@h/x');
    // The stack is kept (masked) with its frames, so a bug can be found from the log alone.
    expect(error.stack).toMatch(/^Error: Connection refused: http:\/\/\*\*\*@h\/x\n\s+at /);
    expect(error.stack).toContain('log.test.ts');
  });

  it('masks literal secrets the process registered, wherever they appear', () => {
    addSecret('control-token-1234');
    const { log, raw } = createMemoryLogger();
    log.info('token control-token-1234 seen', { header: 'x control-token-1234 y', control: { token: 'control-token-1234' } });
    expect(raw.join('')).not.toContain('control-token-1234');
  });
});

describe('a log call never throws and stays bounded', () => {
  it('cycles, BigInt, NaN, Buffers, throwing getters and hostile Proxies', () => {
    const { log, lines } = createMemoryLogger();
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    const getter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('ownKeys trap'); } });
    expect(() => {
      log.info('odd values', { cyclic, big: 12345678901234567890n, nan: Number.NaN, buf: Buffer.alloc(4096), getter, fn: () => 1 });
      log.info('hostile', { hostile });
      log.info('hostile at the top', hostile as Record<string, unknown>);
    }).not.toThrow();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      cyclic: { name: 'a', self: '[circular]' },
      big: '12345678901234567890',
      nan: 'NaN',
      buf: '[Buffer 4096 bytes]',
      getter: { boom: '[unreadable: getter]' },
      fn: '[function fn]',
    });
    expect(lines[1]?.hostile).toBe('[unreadable: ownKeys trap]');
    expect(lines[2]?.fields).toBe('[unreadable: ownKeys trap]');
  });

  it('a huge string or object is cut to the limits', () => {
    const { log, raw } = createMemoryLogger();
    log.info('x'.repeat(1_000_000), { big: 'y'.repeat(1_000_000), many: Array.from({ length: 100_000 }, (_, i) => ({ i, s: 'z'.repeat(100) })) });
    expect(raw[0]!.length).toBeLessThan(LIMITS.string + LIMITS.total + 20_000);
    expect(raw[0]).toContain('…[1000000 chars]');
    expect(raw[0]).toContain('…[99900 more]');
  });

  it('a destination that throws: the call returns and one line goes to stderr', () => {
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    const broken: LogSink = { write: () => { throw new Error('EBADF: bad file descriptor'); } };
    const log = createLogger('t', { level: 'debug', destination: broken });
    expect(() => log.error(`lost ${URL_WITH_PASSWORD}`)).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!)).toMatchObject({ level: 'error', msg: 'lost http://***@h/x', logError: 'Error: EBADF: bad file descriptor' });
  });
});

describe('format choice', () => {
  it.each<[Record<string, string>, boolean | undefined, boolean]>([
    [{}, true, true],
    [{}, false, false],
    [{}, undefined, false],
    [{ CI: 'true' }, true, false],
    [{ CI: '1' }, true, false],
    [{ CI: 'false' }, true, true],
    [{ LOG_FORMAT: 'json' }, true, false],
    [{ LOG_FORMAT: 'pretty' }, false, true],
    [{ LOG_FORMAT: 'pretty', CI: 'true' }, false, true],
  ])('env %j, stdout TTY %s → pretty %s', (env, tty, expected) => {
    expect(wantsPretty(env, tty)).toBe(expected);
  });

  it('pretty: true on a destination writes the text form, still masked', () => {
    const written: string[] = [];
    const log = createLogger('pushcast', { level: 'debug', pretty: true, destination: { write: (l) => void written.push(l) } });
    log.child('channel').info(`starting ${URL_WITH_PASSWORD}`, { channel: 'tp' });
    expect(written[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[pushcast:channel\] starting http:\/\/\*\*\*@h\/x channel="tp"\n$/);
  });
});

describe('on stdout and stderr, as main.ts uses it', () => {
  /** Runs a tiny script with the process logger (`log`), then collects what it wrote. */
  function runScript(body: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const logModule = path.resolve('server/runtime/log.ts');
    const script = `import { createLogger } from ${JSON.stringify(logModule)};\nconst log = createLogger();\n${body}`;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, LOG_LEVEL: 'info', CI: 'true', LOG_FORMAT: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d; });
      child.stderr.on('data', (d: Buffer) => { stderr += d; });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('every line is written before a process.exit() that follows it (synchronous writes)', async () => {
    const r = await runScript(
      "for (let i = 0; i < 5000; i++) log.info('filler', { i, pad: 'p'.repeat(200) });\nlog.error('fatal', { error: new Error('boom') });\nprocess.exit(3);",
    );
    expect(r.code).toBe(3);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999]!)).toMatchObject({ msg: 'filler', i: 4999 });
    const last = JSON.parse(r.stderr) as { level: string; msg: string; error: { stack: string } };
    expect(last).toMatchObject({ level: 'error', msg: 'fatal' });
    expect(last.error.stack).toMatch(/^Error: boom\n\s+at /);
  }, 60_000);

  it('debug/info go to stdout, warn/error to stderr; a pipe (not a TTY) gets JSON', async () => {
    const r = await runScript("log.debug('d'); log.info('i', { channel: 'tp' }); log.warn('w'); log.child('x').error('e');", { CI: '', LOG_LEVEL: 'debug' });
    const parse = (text: string): Array<Record<string, unknown>> => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parse(r.stdout).map((l) => [l['level'], l['msg']])).toEqual([['debug', 'd'], ['info', 'i']]);
    expect(parse(r.stdout)[1]).toMatchObject({ channel: 'tp', scope: 'pushcast' });
    expect(parse(r.stderr).map((l) => [l['level'], l['msg'], l['scope']])).toEqual([['warn', 'w', 'pushcast'], ['error', 'e', 'pushcast:x']]);
  }, 60_000);

  it('LOG_FORMAT=pretty writes the text form to both streams', async () => {
    const r = await runScript("log.info('hello', { channel: 'tp' }); log.warn('careful');", { LOG_FORMAT: 'pretty' });
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[pushcast\] hello channel="tp"\n$/);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[pushcast\] careful\n$/);
  }, 60_000);
});
