/**
 * The entry point as a user runs it: bad configuration and a missing ffmpeg end the process with
 * a clear message and a non-zero status; a good one comes up, logs which ffmpeg it uses and
 * serves the API.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { tempDir } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const MAIN = path.resolve('server/main.ts');

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs server/main.ts with tsx; `until` ends it early once its output matches (then SIGTERM). */
function runMain(args: string[], env: Record<string, string | undefined> = {}, until?: RegExp): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // One SIGTERM only: a second one (more output after the match) means "force exit" to main.ts.
    let signalled = false;
    const check = (): void => {
      if (signalled || !until || !until.test(stdout + stderr)) return;
      signalled = true;
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (d: Buffer) => { stdout += d; check(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d; check(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('server/main.ts', () => {
  it.each([
    [['--port', 'abc'], /--port: port must be a whole number/],
    [['--port', '70000'], /port must be 0–65535/],
    [['--frobnicate'], /unknown option "--frobnicate"/],
    [['--channel', 'nosource'], /--channel expects <id>=<source>/],
    [['--config', '/nonexistent/pushcast.json'], /cannot read/],
  ])('refuses %j with a clear message and exit status 2', async (args, message) => {
    const r = await runMain(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pushcast: invalid configuration/);
    expect(r.stderr).toMatch(message);
  });

  it('prints the usage for --help and exits 0', async () => {
    const r = await runMain(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--channel <id>=<source>/);
  });

  it('says how to get ffmpeg when FFMPEG_PATH points nowhere', async () => {
    const r = await runMain(['--port', '0'], { FFMPEG_PATH: '/nonexistent/ffmpeg' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not an executable file/);
    expect(r.stderr).toMatch(/apt-get install ffmpeg/);
    expect(r.stderr).toMatch(/FFMPEG_PATH/);
    expect(r.stderr).toMatch(/ffmpeg-static/);
  });

  it('says how to get ffmpeg when none is on PATH', async () => {
    // node itself is started by absolute path, so an empty PATH only hides ffmpeg.
    const r = await runMain(['--port', '0'], { PATH: '/nonexistent', FFMPEG_PATH: undefined });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ffmpeg was not found/);
  });

  it.skipIf(!ffmpeg)('starts, logs the ffmpeg it uses and the dashboard URL, and stops on SIGTERM', async () => {
    const media = tempDir();
    try {
      const r = await runMain(['--port', '0', '--host', '127.0.0.1', '--media', media.dir, '--data', path.join(media.dir, '.data'), '--no-test-pattern'], { CONTROL_TOKEN: 'sekrit-token-1', FFMPEG_PATH: ffmpeg!.ffmpeg }, /dashboard: /);
      const logs = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs.find((l) => l['msg'] === 'using ffmpeg')).toMatchObject({ level: 'info', scope: 'pushcast', path: ffmpeg!.ffmpeg, foundBy: 'explicit', version: expect.stringMatching(/^ffmpeg version/) });
      expect(logs.filter((l) => JSON.stringify(l).includes('sekrit-token-1'))).toEqual([]);
      expect(r.stdout).toMatch(/dashboard: {2}http:\/\/127\.0\.0\.1:\d+\/dashboard#token=sekrit-token-1/);
      expect(r.code).toBe(0); // SIGTERM → clean shutdown
    } finally {
      media.remove();
    }
  });
});
