/**
 * File-timeline rules of a Channel with an injected run (fake-run.ts, no ffmpeg) on vitest's fake
 * clock: the playhead freezes while nobody watches, a file without a probed length learns it from
 * its first full run and loops, and a seek made while the start still probes wins the launch race.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Channel, TIMELINE_BASE_SEC, type ChannelOptions, type ChannelViewer, type SpawnReason } from '../../../server/channel/channel.js';
import type { ChannelSource, PreparedSource } from '../../../server/channel/sources.js';
import type { Fragment } from '../../../server/ffmpeg/fragmenter.js';
import { createLogger } from '../../../server/runtime/log.js';
import { FakeRun } from './fake-run.js';
import { foldPosition, playheadAt } from '../../../server/core/playhead.js';
import type { ChannelInfo } from '../../../server/core/protocol.js';

const IDLE_STOP_MS = 500;

/** Media time of the shared playhead now, from a state as viewers get it. */
function mediaNow(i: ChannelInfo): number {
  return playheadAt({ playing: i.playing, mediaTime: i.mediaTime, at: i.positionAt }, Date.now());
}

function fileSource(duration: number | null, gate?: (call: number) => Promise<void>): ChannelSource {
  let calls = 0;
  return {
    kind: 'file',
    display: 'clip.mp4',
    prepare: async (): Promise<PreparedSource> => {
      await gate?.(calls++);
      return { spec: { kind: 'file', path: '/media/clip.mp4' }, codecs: { video: 'copy', audio: 'copy-aac' }, duration };
    },
  };
}

function harness(source: ChannelSource, fileSec: number, extra: Partial<ChannelOptions> = {}) {
  const runs: FakeRun[] = [];
  const spawns: SpawnReason[] = [];
  const opts: ChannelOptions = {
    id: 'clip', source, ffmpegPath: 'ffmpeg', tuning: { fragmentMs: 200, keyframeIntervalSec: 1 },
    keepAlive: false, idleStopMs: IDLE_STOP_MS, stopTimeoutMs: 1000, restartMinMs: 1000, restartMaxMs: 1000,
    maxStartAttempts: 5, errorRetryMs: 5000, gopCacheMaxBytes: 1024 * 1024, stallTimeoutMs: 20_000,
    probeTimeoutMs: 10_000, maxViewers: 10,
    pace: { leadSec: 1, readAheadSec: 3, historySec: 30, historyMaxBytes: 64 * 1024 * 1024 },
    stateIntervalMs: 1000, vod: null, openControl: true, log: createLogger('test', { level: 'silent' }),
    createRun: (o) => {
      const run = new FakeRun(o, fileSec);
      runs.push(run);
      return run;
    },
    ...extra,
  };
  const channel = new Channel(opts);
  channel.on('spawn', ({ reason }) => spawns.push(reason));
  const fragments: Array<{ f: Fragment; epoch: number }> = [];
  const viewer: ChannelViewer = {
    onInit: () => {},
    onFragment: (f, epoch) => fragments.push({ f, epoch }),
    onState: () => {},
    onError: () => {},
  };
  return { channel, runs, spawns, fragments, viewer };
}

describe('Channel file timeline (fake run, fake clock)', () => {
  let channel: Channel | null = null;
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(async () => {
    await channel?.close();
    channel = null;
    vi.useRealTimers();
  });

  it('freezes the playhead while nobody watches and resumes the file there', async () => {
    const h = harness(fileSource(60), 60);
    channel = h.channel;
    await channel.prime();
    channel.addViewer(h.viewer);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(channel.currentStatus).toBe('running');
    const playedSec = mediaNow(channel.info()) - TIMELINE_BASE_SEC;
    expect(playedSec).toBeGreaterThan(2.5);
    channel.removeViewer(h.viewer);
    await vi.advanceTimersByTimeAsync(IDLE_STOP_MS + 100);
    expect(channel.currentStatus).toBe('idle');
    const frozen = channel.info();
    // Stopped within the idle grace: the position moved on only by that much, then stands.
    expect(frozen.position as number).toBeGreaterThan(playedSec);
    expect(frozen.position as number).toBeLessThan(playedSec + (IDLE_STOP_MS + 200) / 1000);
    await vi.advanceTimersByTimeAsync(60_000);
    const later = channel.info();
    expect(later.position).toBe(frozen.position);
    expect(later.positionAt).toBe(frozen.positionAt);
    // A new viewer: the next run starts the file where it stopped, on a new epoch.
    channel.addViewer(h.viewer);
    await vi.advanceTimersByTimeAsync(200);
    expect(h.runs).toHaveLength(2);
    expect(h.runs[1]!.startSec).toBeCloseTo(frozen.position as number, 2);
    expect(channel.info().epoch).toBe(frozen.epoch + 1);
  });

  it('starts frozen where a saved resume point says, paused or playing, and reports it back', async () => {
    const paused = harness(fileSource(60), 60, { resume: { position: 42.5, playing: false } });
    channel = paused.channel;
    await channel.prime();
    expect(channel.info()).toMatchObject({ position: 42.5, playing: false });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(channel.resumePoint()).toEqual({ position: 42.5, playing: false });
    // A viewer: ffmpeg starts the file there, and a paused channel stays paused.
    channel.addViewer(paused.viewer);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(paused.runs[0]!.startSec).toBeCloseTo(42.5, 3);
    expect(channel.info()).toMatchObject({ playing: false });
    expect(channel.resumePoint()?.position).toBeCloseTo(42.5, 3);
    await channel.close();

    const playing = harness(fileSource(60), 60, { resume: { position: 10, playing: true } });
    channel = playing.channel;
    await channel.prime();
    await vi.advanceTimersByTimeAsync(5_000); // nobody watches: frozen
    expect(channel.resumePoint()).toEqual({ position: 10, playing: true });
    channel.addViewer(playing.viewer);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(playing.runs[0]!.startSec).toBeCloseTo(10, 3);
    const point = channel.resumePoint();
    expect(point?.playing).toBe(true);
    expect(point!.position).toBeGreaterThan(12);
    expect(point!.position).toBeLessThan(13.2);
  });

  it('learns a file length from its first full run without a probe, then loops on the same timeline', async () => {
    const h = harness(fileSource(null), 6);
    channel = h.channel;
    channel.addViewer(h.viewer);
    await vi.advanceTimersByTimeAsync(300);
    expect(channel.info()).toMatchObject({ duration: null, seekable: false }); // read 3 s ahead, paused
    expect(h.spawns).toEqual(['start']);
    await vi.advanceTimersByTimeAsync(4_000); // the 6 s file is read to its end
    expect(h.spawns).toEqual(['start', 'loop']);
    expect(channel.info()).toMatchObject({ duration: 6, seekable: true });
    expect(h.runs[1]!.offsetSec).toBeCloseTo(TIMELINE_BASE_SEC + 6, 3);
    await vi.advanceTimersByTimeAsync(4_000);
    // The loop continues the timeline: one epoch, media time goes on past the file's end.
    const epochs = new Set(h.fragments.map(({ epoch }) => epoch));
    expect(epochs.size).toBe(1);
    const starts = h.fragments.map(({ f }) => f.startSec as number);
    expect(starts.some((s) => s >= TIMELINE_BASE_SEC + 6)).toBe(true);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeCloseTo(0.2, 3);
    const now = mediaNow(channel.info());
    expect(now).toBeGreaterThan(TIMELINE_BASE_SEC + 6); // the second loop plays
    expect(foldPosition(now - TIMELINE_BASE_SEC, 6)).toBeCloseTo(now - TIMELINE_BASE_SEC - 6, 6);
  });

  it('a seek while the start still probes wins: one run, at the seek target', async () => {
    const gates: Array<() => void> = [];
    // call 0: prime() answers at once; later calls wait until the test lets them go.
    const source = fileSource(20, (call) => (call === 0 ? Promise.resolve() : new Promise<void>((r) => { gates.push(r); })));
    const h = harness(source, 20);
    channel = h.channel;
    await channel.prime();
    channel.addViewer(h.viewer);
    await vi.advanceTimersByTimeAsync(10);
    expect(channel.currentStatus).toBe('starting');
    expect(channel.command({ type: 'seek', position: 12 })).toMatchObject({ ok: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(gates).toHaveLength(2);
    gates[0]!(); // the superseded start's probe answers first
    await vi.advanceTimersByTimeAsync(10);
    expect(h.runs).toHaveLength(0);
    gates[1]!();
    await vi.advanceTimersByTimeAsync(500);
    expect(h.runs).toHaveLength(1);
    expect(h.spawns).toEqual(['seek']);
    expect(h.runs[0]!.startSec).toBe(12);
    expect(h.fragments[0]!.f.startSec).toBeCloseTo(TIMELINE_BASE_SEC + 12, 3);
    expect(new Set(h.fragments.map(({ epoch }) => epoch))).toEqual(new Set([channel.info().epoch]));
  });

  it('a seek past what the server holds replaces the run; the old run, recognised as stale, is ignored', async () => {
    const h = harness(fileSource(60), 60);
    channel = h.channel;
    await channel.prime();
    channel.addViewer(h.viewer);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(channel.command({ type: 'seek', position: 40 })).toMatchObject({ ok: true });
    const epoch = channel.info().epoch;
    await vi.advanceTimersByTimeAsync(500);
    expect(h.spawns).toEqual(['start', 'seek']);
    expect(h.runs[1]!.startSec).toBe(40);
    const before = h.fragments.length;
    // The replaced run still writes (its pipe drains) and exits: neither reaches the channel.
    h.runs[0]!.emit('fragment', { data: Buffer.alloc(10), key: true, startSec: TIMELINE_BASE_SEC + 3, durationSec: 0.2 });
    h.runs[0]!.emit('exit', { requested: false, error: null, endOfSource: false, fragments: 1 });
    await vi.advanceTimersByTimeAsync(500);
    const after = h.fragments.slice(before);
    expect(after.length).toBeGreaterThan(0);
    for (const { f, epoch: e } of after) {
      expect(e).toBe(epoch);
      expect(f.startSec as number).toBeGreaterThanOrEqual(TIMELINE_BASE_SEC + 40);
    }
    expect(channel.currentStatus).toBe('running');
  });
});
