/**
 * Runs one finite ffmpeg job (a remux or transcode to a file) to completion.
 * Spawned with an argument array (no shell), stderr kept as a bounded tail for the error report,
 * stopped by an AbortSignal with SIGTERM and then SIGKILL, and always awaited to its `close` so
 * no zombie is left behind.
 */
import { spawn } from 'node:child_process';
import { ErrorCode } from '../core/errors.js';
import { LineReader } from '../ffmpeg/line-reader.js';
import { outTimeSec, PROGRESS_ARGS } from '../ffmpeg/progress.js';

/** The codes a job fails with; defined (with their meanings) in core/errors.ts. */
export const DeriveErrorCode = {
  FFMPEG_EXIT: ErrorCode.FFMPEG_EXIT,
  FFMPEG_SPAWN: ErrorCode.FFMPEG_SPAWN,
  ABORTED: ErrorCode.ABORTED,
} as const;
export type DeriveErrorCode = (typeof DeriveErrorCode)[keyof typeof DeriveErrorCode];

export class DeriveError extends Error {
  override name = 'DeriveError';
  constructor(
    readonly code: DeriveErrorCode,
    message: string,
    /** Last lines ffmpeg wrote to stderr (bounded). */
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/**
 * Runs ffmpeg with `args`; resolves on exit 0. With `onProgress`, ffmpeg reports on stdout
 * (`-progress pipe:1`) and each update's seconds of output written reach the callback.
 */
export type FfmpegRunner = (args: string[], signal: AbortSignal, onProgress?: (doneSec: number) => void) => Promise<void>;

/** Bytes of stderr kept; enough for ffmpeg's final error lines, bounded for a chatty run. */
const STDERR_TAIL_BYTES = 4096;

export function createFfmpegRunner(ffmpegPath: string, killAfterMs = 3000): FfmpegRunner {
  return (args, signal, onProgress) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(new DeriveError(DeriveErrorCode.ABORTED, 'stopped before start', ''));
        return;
      }
      const argv = onProgress ? [...PROGRESS_ARGS, ...args] : args;
      const child = spawn(ffmpegPath, argv, { stdio: ['ignore', onProgress ? 'pipe' : 'ignore', 'pipe'] });
      if (onProgress && child.stdout) {
        const lines = new LineReader(256);
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          for (const line of lines.push(chunk)) {
            const sec = outTimeSec(line);
            if (sec !== null) onProgress(sec);
          }
        });
        child.stdout.on('error', () => {}); // the exit code reports what went wrong
      }
      let tail = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
      });
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        child.kill('SIGTERM');
        // ffmpeg finishing a large moov rewrite may ignore SIGTERM for a while.
        killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        killTimer.unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let spawnError: Error | undefined;
      child.on('error', (err) => {
        spawnError = err; // 'close' still follows and settles the promise
      });
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        const stderrTail = tail.trim();
        if (signal.aborted) reject(new DeriveError(DeriveErrorCode.ABORTED, 'stopped on shutdown', stderrTail));
        else if (spawnError) reject(new DeriveError(DeriveErrorCode.FFMPEG_SPAWN, `cannot start ffmpeg: ${spawnError.message}`, ''));
        else if (code === 0) resolve();
        else reject(new DeriveError(DeriveErrorCode.FFMPEG_EXIT, `ffmpeg exited with ${sig ?? `code ${code}`}`, stderrTail));
      });
    });
}
