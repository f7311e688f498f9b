import { describe, expect, it } from 'vitest';
import { resolveSoakOptions } from '../../../scripts/soak/options.js';

describe('resolveSoakOptions', () => {
  it.each([
    { argv: [], env: {}, want: { durationSec: 60, viewers: 200, slow: 20, churn: 40, channel: 'test', intervalMs: 5000 } },
    { argv: [], env: { SOAK_SECONDS: '300' }, want: { durationSec: 300 } },
    { argv: ['--duration', '30'], env: { SOAK_SECONDS: '300' }, want: { durationSec: 30 } },
    { argv: ['--viewers', '10', '--slow', '25', '--churn', '0'], env: {}, want: { viewers: 10, slow: 3, churn: 0 } },
    { argv: ['--viewers', '3', '--slow', '50', '--churn', '50'], env: {}, want: { viewers: 3, slow: 2, churn: 1 } },
    { argv: ['--channel', 'cam.1', '--interval', '2'], env: {}, want: { channel: 'cam.1', intervalMs: 2000 } },
  ])('$argv $env', ({ argv, env, want }) => {
    expect(resolveSoakOptions(argv, env)).toMatchObject(want);
  });

  it('answers help', () => {
    expect(resolveSoakOptions(['--help'], {})).toBe('help');
  });

  it.each([
    { argv: ['--duration', '2'], message: /--duration/ },
    { argv: ['--duration', 'abc'], message: /--duration/ },
    { argv: [], env: { SOAK_SECONDS: '-1' }, message: /SOAK_SECONDS/ },
    { argv: ['--viewers', '0'], message: /--viewers/ },
    { argv: ['--viewers', '1.5'], message: /--viewers/ },
    { argv: ['--slow', '60', '--churn', '50'], message: /must not exceed 100/ },
    { argv: ['--churn', '-1'], message: /--churn/ },
    { argv: ['--channel', '../x'], message: /--channel/ },
    { argv: ['--interval', '0'], message: /--interval/ },
    { argv: ['--bogus'], message: /bogus/ },
  ])('rejects $argv', ({ argv, env, message }) => {
    expect(() => resolveSoakOptions(argv, env ?? {})).toThrow(message);
  });
});
