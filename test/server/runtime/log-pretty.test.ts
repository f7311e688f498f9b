/**
 * server/log-pretty.ts: the terminal form of a JSON line.
 */
import { describe, expect, it } from 'vitest';
import { formatPretty, prettySink } from '../../../server/runtime/log-pretty.js';

const TIME = '2025-03-04T05:06:07.089Z';

describe('formatPretty', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['message only', { level: 'info', time: TIME, pid: 1, scope: 'pushcast', msg: 'up' }, '05:06:07.089 INFO  [pushcast] up\n'],
    ['fields as key=JSON', { level: 'warn', time: TIME, scope: 'pushcast:channel', msg: 'failed', channel: 'tp', code: 'FFMPEG_EXIT', n: 3 },
      '05:06:07.089 WARN  [pushcast:channel] failed channel="tp" code="FFMPEG_EXIT" n=3\n'],
    ['nested field', { level: 'debug', time: TIME, scope: 's', msg: 'm', o: { a: [1, 2] } }, '05:06:07.089 DEBUG [s] m o={"a":[1,2]}\n'],
    ['error: message inline, stack below, indented', { level: 'error', time: TIME, scope: 's', msg: 'fatal', error: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)' } },
      '05:06:07.089 ERROR [s] fatal error={"type":"Error","message":"boom"}\n    Error: boom\n        at f (x.ts:1:1)\n'],
  ])('%s', (_name, line, expected) => {
    expect(formatPretty(line, false)).toBe(expected);
  });

  it('colors the level and time only when asked', () => {
    const colored = formatPretty({ level: 'error', time: TIME, scope: 's', msg: 'm' }, true);
    expect(colored).toContain('\x1b[31mERROR\x1b[0m');
    expect(formatPretty({ level: 'error', time: TIME, scope: 's', msg: 'm' }, false)).not.toContain('\x1b');
  });
});

describe('prettySink', () => {
  it('formats JSON lines and passes anything else through', () => {
    const out: string[] = [];
    const sink = prettySink({ write: (l) => void out.push(l) }, false);
    sink.write(`${JSON.stringify({ level: 'info', time: TIME, scope: 'p', msg: 'hi' })}\n`);
    sink.write('not json\n');
    expect(out).toEqual(['05:06:07.089 INFO  [p] hi\n', 'not json\n']);
  });
});
