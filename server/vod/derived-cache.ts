/**
 * Generated copies of media files (faststart, remux, transcode), made once in the background and
 * kept in the cache dir.
 *
 * Per copy (one key = source path + source ETag + kind) the state moves
 *   pending (disk check → queued → running) → ready | failed
 * and a failed copy stays failed until `retryFailedAfterMs` has passed, so a broken file costs one
 * ffmpeg run per window instead of one per request. Single-flight: the entry is created
 * synchronously on the first request, so concurrent requests share it and never start a second
 * ffmpeg. Jobs run `concurrency` at a time (default 1: the machine also serves live channels).
 *
 * Files are written to a `.part` name and renamed on success, so a crash never leaves a
 * half-written copy under the final name; a copy found on disk from an earlier run is reused.
 * The name carries hashes of the source path and of its ETag, so a changed source gets a new copy
 * and older copies of the same source are deleted once the new one is ready.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { CodecPlan } from '../ffmpeg/args.js';
import type { DerivedKind } from './derive-args.js';
import { deriveArgs } from './derive-args.js';
import { DeriveError, DeriveErrorCode } from './ffmpeg-job.js';
import type { FfmpegRunner } from './ffmpeg-job.js';
import { progressOf, type Progress } from '../ffmpeg/progress.js';

export interface DeriveSpec {
  /** Absolute real path of the source file. */
  source: string;
  /** The source's strong ETag when the request saw it. */
  sourceEtag: string;
  kind: DerivedKind;
  /** Per-stream plan for remux / transcode (ignored for faststart). */
  codecs: CodecPlan;
  /** The source's length in seconds, when known: running jobs then report how far they are. */
  durationSec?: number | null;
}

export type DerivedState =
  | { state: 'absent' }
  | { state: 'pending'; phase: 'checking' | 'queued' | 'running'; progress?: Progress | null }
  | { state: 'ready'; path: string }
  | { state: 'failed'; code: string; message: string; stderrTail: string; retryAt: number };

export interface DerivedCacheOptions {
  cacheDir: string;
  run: FfmpegRunner;
  /** Jobs run at once. */
  concurrency?: number;
  /** ms before a failed copy may be attempted again. */
  retryFailedAfterMs?: number;
  log?: { warn(msg: string, fields?: Record<string, unknown>): void; info?(msg: string, fields?: Record<string, unknown>): void };
  /** Clock, injectable for tests (epoch ms). */
  now?: () => number;
}

interface Entry {
  spec: DeriveSpec;
  state: DerivedState;
  /** Settles once the disk check is done (state is then ready, queued or running). */
  checked: Promise<void>;
}

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Faststart copies keep the source's extension (so .m4a stays audio/mp4); the rest are .mp4. */
function extensionFor(spec: DeriveSpec): string {
  const ext = path.extname(spec.source).slice(1).toLowerCase();
  return spec.kind === 'faststart' && /^(mp4|m4v|m4a)$/.test(ext) ? ext : 'mp4';
}

export class DerivedCache {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly concurrency: number;
  private readonly retryFailedAfterMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: DerivedCacheOptions) {
    this.concurrency = opts.concurrency ?? 1;
    this.retryFailedAfterMs = opts.retryFailedAfterMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new TypeError('concurrency must be an integer ≥ 1');
    if (!(this.retryFailedAfterMs >= 0)) throw new TypeError('retryFailedAfterMs must be ≥ 0');
  }

  /** The final file name for a copy (exported for tests and the media listing). */
  pathFor(spec: DeriveSpec): string {
    return path.join(this.opts.cacheDir, `${hash(spec.source)}-${hash(spec.sourceEtag)}-${spec.kind}.${extensionFor(spec)}`);
  }

  /** Current state without starting anything; a copy left on disk by an earlier run is `ready`. */
  async peek(spec: DeriveSpec): Promise<DerivedState> {
    const entry = this.entries.get(this.pathFor(spec));
    if (entry) {
      await entry.checked;
      return entry.state;
    }
    return (await isFile(this.pathFor(spec))) ? { state: 'ready', path: this.pathFor(spec) } : { state: 'absent' };
  }

  /** The copy's state, starting its generation when there is none (or a failure has expired). */
  async ensure(spec: DeriveSpec): Promise<DerivedState> {
    const key = this.pathFor(spec);
    let entry = this.entries.get(key);
    const expired = entry?.state.state === 'failed' && this.now() >= entry.state.retryAt;
    if (entry?.state.state === 'ready' && !(await isFile(entry.state.path))) {
      entry = undefined; // deleted by an operator clearing the cache: make it again
    }
    if (!entry || expired) {
      if (this.closed) return { state: 'failed', code: DeriveErrorCode.ABORTED, message: 'server is shutting down', stderrTail: '', retryAt: Infinity };
      entry = this.register(spec, key); // synchronous up to here: the single-flight point
    }
    await entry.checked;
    return entry.state;
  }

  /** Stops running jobs (SIGTERM, then SIGKILL), drops queued ones, and waits for the exits. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    this.queue.length = 0;
    await Promise.allSettled([...this.running]);
  }

  private register(spec: DeriveSpec, key: string): Entry {
    const entry: Entry = { spec, state: { state: 'pending', phase: 'checking' }, checked: Promise.resolve() };
    this.entries.set(key, entry);
    entry.checked = (async () => {
      if (await isFile(key)) {
        entry.state = { state: 'ready', path: key };
        return;
      }
      if (this.closed) return;
      entry.state = { state: 'pending', phase: 'queued' };
      this.queue.push(entry);
      this.pump();
    })();
    return entry;
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency) {
      const entry = this.queue.shift();
      if (!entry) return;
      const job = this.runJob(entry).finally(() => {
        this.running.delete(job);
        this.pump();
      });
      this.running.add(job);
    }
  }

  private async runJob(entry: Entry): Promise<void> {
    const final = this.pathFor(entry.spec);
    const part = `${final}.${randomBytes(4).toString('hex')}.part`;
    const startedAt = this.now();
    const total = entry.spec.durationSec ?? null;
    entry.state = { state: 'pending', phase: 'running', progress: progressOf(0, total, 0) };
    // Only a job whose length is known can say how far it is.
    const onProgress = total === null ? undefined : (doneSec: number): void => {
      if (entry.state.state === 'pending') entry.state = { state: 'pending', phase: 'running', progress: progressOf(doneSec, total, this.now() - startedAt) };
    };
    try {
      await fsp.mkdir(this.opts.cacheDir, { recursive: true });
      await this.opts.run(deriveArgs(entry.spec.kind, entry.spec.source, part, entry.spec.codecs), this.abort.signal, onProgress);
      await fsp.rename(part, final);
      entry.state = { state: 'ready', path: final };
      this.opts.log?.info?.('vod copy ready', { kind: entry.spec.kind, source: entry.spec.source, ms: this.now() - startedAt });
      await this.removeOlderCopies(entry.spec, final);
    } catch (err) {
      await fsp.rm(part, { force: true }).catch(() => undefined);
      const e = err instanceof DeriveError ? err : new DeriveError(DeriveErrorCode.FFMPEG_EXIT, String(err), '');
      entry.state = {
        state: 'failed',
        code: e.code,
        message: e.message,
        stderrTail: e.stderrTail,
        retryAt: this.now() + this.retryFailedAfterMs,
      };
      if (e.code !== DeriveErrorCode.ABORTED) {
        this.opts.log?.warn('vod copy failed', { kind: entry.spec.kind, source: entry.spec.source, code: e.code, stderr: e.stderrTail });
      }
    }
  }

  /** Deletes copies of the same source and kind made for an older ETag. Best effort. */
  private async removeOlderCopies(spec: DeriveSpec, keep: string): Promise<void> {
    const prefix = `${hash(spec.source)}-`;
    const suffix = `-${spec.kind}.${extensionFor(spec)}`;
    try {
      for (const name of await fsp.readdir(this.opts.cacheDir)) {
        const full = path.join(this.opts.cacheDir, name);
        if (full === keep || !name.startsWith(prefix) || !name.endsWith(suffix)) continue;
        await fsp.rm(full, { force: true });
        this.entries.delete(full);
      }
    } catch (err) {
      this.opts.log?.warn('vod cache cleanup failed', { error: String(err) });
    }
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}
