import { describe, expect, it } from 'vitest';
import { classifyUncaught } from '../../../server/runtime/process-guard.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('classifyUncaught', () => {
  it.each([
    ['exception', withCode('ECONNRESET'), 'continue'],
    ['exception', withCode('EPIPE'), 'continue'],
    ['exception', withCode('ERR_STREAM_WRITE_AFTER_END'), 'continue'],
    ['exception', withCode('ERR_STREAM_DESTROYED'), 'continue'],
    ['exception', new TypeError('x is undefined'), 'exit'],
    ['exception', new RangeError('bad'), 'exit'],
    ['exception', withCode('ENOMEM'), 'exit'],
    ['exception', 'a thrown string', 'exit'],
    ['exception', null, 'exit'],
    ['rejection', new TypeError('in a promise'), 'continue'],
    ['rejection', undefined, 'continue'],
  ] as const)('%s %s → %s', (kind, err, verdict) => {
    expect(classifyUncaught(kind, err)).toBe(verdict);
  });
});
