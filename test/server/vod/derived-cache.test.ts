import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DerivedCache } from '../../../server/vod/derived-cache.js';
import type { DeriveSpec } from '../../../server/vod/derived-cache.js';
import { DeriveError } from '../../../server/vod/ffmpeg-job.js';
import type { FfmpegRunner } from '../../../server/vod/ffmpeg-job.js';

/** A runner that records calls and finishes a job only when the test says so. */
function fakeRunner() {
  const calls: Array<{ args: string[]; signal: AbortSignal; finish: (ok: boolean) => void; progress: ((doneSec: number) => void) | undefined }> = [];
  const run: FfmpegRunner = (args, signal, progress) =>
    new Promise<void>((resolve, reject) => {
      const out = args[args.length - 1]!.replace(/^file:/, '');
      signal.addEventListener('abort', () => reject(new DeriveError('ABORTED', 'stopped', '')));
      calls.push({
        args,
        signal,
        progress,
        finish: (ok) => {
          if (ok) {
            writeFileSync(out, 'mp4 bytes');
            resolve();
          } else {
            writeFileSync(out, 'half'); // a failed job leaves a partial file behind
            reject(new DeriveError('FFMPEG_EXIT', 'ffmpeg exited with code 1', 'line 1\nmoov atom not found'));
          }
        },
      });
    });
  return { run, calls };
}

const tick = () => new Promise((r) => setTimeout(r, 10));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await tick();
  expect(cond()).toBe(true);
}

let dir: string;
const spec = (over: Partial<DeriveSpec> = {}): DeriveSpec => ({
  source: '/media/a.mkv',
  sourceEtag: '"e1"',
  kind: 'remux',
  codecs: { video: 'copy', audio: 'copy' },
  ...over,
});

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pushcast-derived-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DerivedCache', () => {
  it('a running job of known length tells how far it is; one of unknown length does not', async () => {
    let clock = 1_000_000;
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run, now: () => clock });
    await cache.ensure(spec({ durationSec: 60 }));
    await until(() => calls.length === 1);
    expect(await cache.peek(spec({ durationSec: 60 }))).toEqual({ state: 'pending', phase: 'running', progress: { fraction: 0, etaSec: null } });
    clock += 3_000;
    calls[0]!.progress!(15);
    expect(await cache.peek(spec())).toEqual({ state: 'pending', phase: 'running', progress: { fraction: 0.25, etaSec: 9 } });
    calls[0]!.finish(true);
    await until(() => calls.length === 1);
    const other = spec({ source: '/media/b.mkv' });
    await cache.ensure(other);
    await until(() => calls.length === 2);
    expect(calls[1]!.progress).toBeUndefined();
    expect(await cache.peek(other)).toEqual({ state: 'pending', phase: 'running', progress: null });
    calls[1]!.finish(true);
    await cache.close();
  });

  it('starts one job for many concurrent requests (single-flight) and then serves the copy', async () => {
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run });
    const states = await Promise.all(Array.from({ length: 10 }, () => cache.ensure(spec())));
    expect(states.every((s) => s.state === 'pending')).toBe(true);
    await until(() => calls.length === 1);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.finish(true);
    await until(() => existsSync(cache.pathFor(spec())));
    expect(await cache.ensure(spec())).toEqual({ state: 'ready', path: cache.pathFor(spec()) });
    expect(readdirSync(dir)).toEqual([path.basename(cache.pathFor(spec()))]); // no .part left
    expect(calls).toHaveLength(1);
    await cache.close();
  });

  it('reports a failure with its code and stderr tail, and does not retry before the cool-down', async () => {
    let now = 1_000;
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run, retryFailedAfterMs: 60_000, now: () => now });
    await cache.ensure(spec());
    await until(() => calls.length === 1);
    calls[0]!.finish(false);
    await until(() => readdirSync(dir).length === 0); // partial output removed
    for (let i = 0; i < 20; i++) {
      const s = await cache.ensure(spec());
      expect(s).toMatchObject({ state: 'failed', code: 'FFMPEG_EXIT', stderrTail: 'line 1\nmoov atom not found', retryAt: 61_000 });
    }
    expect(calls).toHaveLength(1);
    now = 61_000;
    expect((await cache.ensure(spec())).state).toBe('pending');
    await until(() => calls.length === 2);
    await cache.close();
  });

  it('reuses a copy left on disk by an earlier run without running ffmpeg', async () => {
    const { run, calls } = fakeRunner();
    const first = new DerivedCache({ cacheDir: dir, run });
    writeFileSync(first.pathFor(spec()), 'from before');
    expect(await first.peek(spec())).toMatchObject({ state: 'ready' });
    expect(await first.ensure(spec())).toMatchObject({ state: 'ready' });
    expect(calls).toHaveLength(0);
  });

  it('peek never starts a job', async () => {
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run });
    expect(await cache.peek(spec())).toEqual({ state: 'absent' });
    await tick();
    expect(calls).toHaveLength(0);
  });

  it('makes a new copy when the source changes and deletes the old one', async () => {
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run });
    await cache.ensure(spec());
    await until(() => calls.length === 1);
    calls[0]!.finish(true);
    await until(() => existsSync(cache.pathFor(spec())));
    const changed = spec({ sourceEtag: '"e2"' });
    expect(cache.pathFor(changed)).not.toBe(cache.pathFor(spec()));
    await cache.ensure(changed);
    await until(() => calls.length === 2);
    calls[1]!.finish(true);
    await until(() => !existsSync(cache.pathFor(spec())));
    expect(readdirSync(dir)).toEqual([path.basename(cache.pathFor(changed))]);
  });

  it('runs jobs one at a time by default', async () => {
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run });
    expect(await cache.ensure(spec())).toMatchObject({ phase: 'running' });
    expect(await cache.ensure(spec({ source: '/media/b.mkv' }))).toMatchObject({ phase: 'queued' });
    // The first job reaches the runner after a few file-system calls (slow on a loaded machine):
    // wait for it, then give a second one the chance to start wrongly beside it.
    await until(() => calls.length >= 1);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.finish(true);
    await until(() => calls.length === 2);
    await cache.close();
  });

  it('close() aborts the running job and drops the queue', async () => {
    const { run, calls } = fakeRunner();
    const cache = new DerivedCache({ cacheDir: dir, run });
    await cache.ensure(spec());
    await cache.ensure(spec({ source: '/media/b.mkv' }));
    await until(() => calls.length === 1);
    await cache.close();
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls).toHaveLength(1);
    expect(await cache.ensure(spec({ source: '/media/c.mkv' }))).toMatchObject({ state: 'failed', code: 'ABORTED' });
  });

  it('names faststart copies with the source extension so the Content-Type stays right', () => {
    const cache = new DerivedCache({ cacheDir: dir, run: fakeRunner().run });
    expect(cache.pathFor(spec({ source: '/m/a.m4a', kind: 'faststart' }))).toMatch(/-faststart\.m4a$/);
    expect(cache.pathFor(spec({ source: '/m/a.mkv', kind: 'transcode' }))).toMatch(/-transcode\.mp4$/);
  });

  it.each([0, 1.5, -1])('refuses concurrency %d', (concurrency) => {
    expect(() => new DerivedCache({ cacheDir: dir, run: fakeRunner().run, concurrency })).toThrow(TypeError);
  });
});
