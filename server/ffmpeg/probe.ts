/**
 * Asks ffprobe what a source carries, so the codec policy decides from facts instead of file
 * extensions. ffprobe is spawned directly (argument array, no shell) so that its process is ours
 * to bound: a source that accepts the connection and never sends would otherwise hold the probe,
 * and the channel's start, forever. After `timeoutMs` (or when `signal` aborts) the probe is
 * SIGKILLed (nothing it would still write matters) and the start fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ChildSet } from '../runtime/children.js';
import { DEFAULTS } from '../runtime/config.js';
import { ErrorCode, PushcastError } from '../core/errors.js';
import { networkInputOptions, type ProbeResult } from './args.js';
import { LineReader } from './line-reader.js';

export interface ProbeOptions {
  /** Give up (kill ffprobe, reject SOURCE_UNAVAILABLE) after this long, ms. Default: config default. */
  timeoutMs?: number;
  /** Aborting kills ffprobe and rejects with the abort reason (a PushcastError) or SOURCE_UNAVAILABLE. */
  signal?: AbortSignal;
  /** Tracks the ffprobe process so shutdown can stop it. */
  children?: ChildSet;
  /** Who asked (a channel id), for the children list. */
  owner?: string;
}

/** ffprobe's JSON for a file with a few streams is a few KiB; more than this is not a probe answer. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
/** stderr lines kept for the error message. */
const STDERR_TAIL_LINES = 4;

/** The argv for a probe (pure; `-i` so a path that starts with '-' is never taken for an option). */
export function probeArgs(url: string): string[] {
  return ['-v', 'error', ...networkInputOptions(url), '-print_format', 'json', '-show_streams', '-show_format', '-i', url];
}

interface FfprobeStream {
  codec_type?: unknown;
  codec_name?: unknown;
  profile?: unknown;
  pix_fmt?: unknown;
  disposition?: { attached_pic?: unknown };
}

/** ffprobe's `-print_format json -show_streams -show_format` output → ProbeResult. Pure; throws on non-JSON. */
export function parseProbeJson(text: string): ProbeResult {
  const data = JSON.parse(text) as { streams?: unknown; format?: { duration?: unknown; format_name?: unknown } | null };
  const streams: FfprobeStream[] = Array.isArray(data.streams) ? (data.streams as FfprobeStream[]).filter((s) => typeof s === 'object' && s !== null) : [];
  // A cover picture is a "video" stream with one frame: it is not the video.
  const v = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const a = streams.find((s) => s.codec_type === 'audio');
  const str = (x: unknown): string | null => (typeof x === 'string' || typeof x === 'number' ? String(x) : null);
  const rawDuration = Number(data.format?.duration);
  // JSON omits what ffprobe could not determine (no decodable frame within the analysis window:
  // a truncated file, a live stream joined far from a keyframe), where its default output says
  // "unknown". Kept as 'unknown' so planCodecs transcodes such a stream, as it always did.
  return {
    video: v ? { codec: str(v.codec_name) ?? 'unknown', profile: str(v.profile) ?? 'unknown', pixFmt: str(v.pix_fmt) ?? 'unknown' } : null,
    audio: a ? { codec: str(a.codec_name) ?? 'unknown' } : null,
    duration: Number.isFinite(rawDuration) && rawDuration > 0 ? rawDuration : null,
    ...(typeof data.format?.format_name === 'string' ? { container: data.format.format_name } : {}),
  };
}

export function probeSource(ffprobePath: string, url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.probeTimeoutMs;
  return new Promise<ProbeResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(abortError(opts.signal));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(ffprobePath, probeArgs(url), { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      // spawn throws synchronously for arguments it cannot pass (e.g. a NUL byte in the URL).
      reject(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `cannot probe source: ${(err as Error).message}`, { cause: err }));
      return;
    }
    opts.children?.track(child, 'ffprobe', opts.owner ?? 'probe');
    const out: Buffer[] = [];
    let outBytes = 0;
    const lines = new LineReader();
    const tail: string[] = [];
    const keep = (l: string): void => {
      if (l.trim() === '') return;
      tail.push(l);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    };
    let settled: PushcastError | null = null;
    let spawnError: Error | null = null;
    const giveUp = (err: PushcastError): void => {
      if (settled) return;
      settled = err;
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => giveUp(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `source did not answer within ${timeoutMs} ms (probe timed out)`)), timeoutMs);
    const onAbort = (): void => giveUp(abortError(opts.signal as AbortSignal));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_STDOUT_BYTES) giveUp(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, 'ffprobe wrote more than a probe answer'));
      else out.push(chunk);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => lines.push(chunk).forEach(keep));
    // Stream errors (EPIPE and the like) end in 'close' below; without a listener they would throw.
    child.stdout?.on('error', () => {});
    child.stderr?.on('error', () => {});
    child.on('error', (err) => {
      spawnError = err; // 'close' follows and settles
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      lines.end().forEach(keep);
      if (settled) return;
      const why = tail.join(' | ');
      if (spawnError) {
        reject(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `cannot run ffprobe: ${spawnError.message}`, { cause: spawnError }));
      } else if (code !== 0) {
        const status = signal ? `ffprobe was killed with ${signal}` : `ffprobe exited with code ${code}`;
        reject(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `cannot read source: ${why || status}`));
      } else {
        try {
          resolve(parseProbeJson(Buffer.concat(out).toString('utf8')));
        } catch (err) {
          reject(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `cannot read source: ffprobe gave no readable answer${why ? ` (${why})` : ''}`, { cause: err }));
        }
      }
    });
  });
}

/** A Prober (sources.ts) that runs this ffprobe with the caller's timeout, signal and child set. */
export function createProber(ffprobePath: string): (url: string, opts?: ProbeOptions) => Promise<ProbeResult> {
  return (url, opts) => probeSource(ffprobePath, url, opts);
}

function abortError(signal: AbortSignal): PushcastError {
  const reason: unknown = signal.reason;
  return reason instanceof PushcastError ? reason : new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, 'probe stopped');
}
