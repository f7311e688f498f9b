import { describe, expect, it } from 'vitest';
import { ErrorLog, describeError, hasErrorName } from '../../web/src/player/errors.js';

describe('ErrorLog', () => {
  const ffmpeg = { code: 'FFMPEG_EXIT', message: 'ffmpeg exited with code 1', fatal: false } as const;

  it('records errors in order and drops an identical repeat within the window', () => {
    const log = new ErrorLog(20, 1000);
    expect(log.record(ffmpeg, 0)).toBe(true);
    expect(log.record(ffmpeg, 500)).toBe(false); // the same failure via `state`
    expect(log.record(ffmpeg, 2600)).toBe(true); // it happened again later
    expect(log.record({ ...ffmpeg, message: 'other' }, 2700)).toBe(true);
    expect(log.list().map((e) => e.message)).toEqual([ffmpeg.message, ffmpeg.message, 'other']);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const log = new ErrorLog(2);
    for (let i = 0; i < 4; i++) log.record({ code: 'CONNECTION', message: `drop ${i}`, fatal: false }, i * 10_000);
    expect(log.list().map((e) => e.message)).toEqual(['drop 2', 'drop 3']);
  });

  it('clears', () => {
    const log = new ErrorLog();
    log.record(ffmpeg, 0);
    log.clear();
    expect(log.list()).toEqual([]);
    expect(log.record(ffmpeg, 1)).toBe(true);
  });
});

describe('describeError / hasErrorName', () => {
  it.each([
    [new DOMException('quota', 'QuotaExceededError'), 'QuotaExceededError: quota'],
    [new Error('plain'), 'plain'],
    [new TypeError('bad'), 'TypeError: bad'],
    ['a string', 'a string'],
  ])('%s → %s', (err, text) => expect(describeError(err)).toBe(text));

  it('matches DOMException names', () => {
    expect(hasErrorName(new DOMException('x', 'NotAllowedError'), 'NotAllowedError')).toBe(true);
    expect(hasErrorName(new Error('x'), 'NotAllowedError')).toBe(false);
    expect(hasErrorName(null, 'NotAllowedError')).toBe(false);
  });
});
