/**
 * Integration (real ffmpeg): a seek made while the channel's start is still probing its source.
 * The start's probe returns first, then the seek's: only the newest launch may start ffmpeg, or
 * ffmpeg would play the old position under the new playhead (viewers stall or get a burst).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, TIMELINE_BASE_SEC, type ChannelViewer } from '../../../server/channel/channel.js';
import { DEFAULTS } from '../../../server/runtime/config.js';
import type { Fragment, InitSegment } from '../../../server/ffmpeg/fragmenter.js';
import { createLogger } from '../../../server/runtime/log.js';
import { parseMoof } from '../../../server/core/moof.js';
import { BoxSplitter } from '../../../server/media/box-splitter.js';
import { generateSample } from '../../../server/sample-media.js';
import type { ChannelSource, PreparedSource } from '../../../server/channel/sources.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { tempDir } from '../../helpers/server.js';

const ffmpeg = await findTestFfmpeg();

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe.skipIf(!ffmpeg)('a seek while the start is still probing', () => {
  const media = tempDir();
  const file = path.join(media.dir, 'clip.mp4');
  beforeAll(() => generateSample({ ffmpeg: ffmpeg!.ffmpeg, file, durationSec: 20 }), 120_000);
  afterAll(() => media.remove());

  it('starts ffmpeg at the seek target, not at the superseded start position', async () => {
    const gates = [deferred(), deferred()];
    let calls = 0;
    const source: ChannelSource = {
      kind: 'file',
      display: 'clip.mp4',
      prepare: async (): Promise<PreparedSource> => {
        const call = calls++;
        if (call > 0) await gates[Math.min(call - 1, 1)]!.promise; // call 0: prime(), at once
        return { spec: { kind: 'file', path: file }, codecs: { video: 'copy', audio: 'copy-aac' }, duration: 20 };
      },
    };
    const channel = new Channel({
      id: 'clip', source, ffmpegPath: ffmpeg!.ffmpeg,
      tuning: { fragmentMs: DEFAULTS.fragmentMs, keyframeIntervalSec: DEFAULTS.keyframeIntervalSec },
      keepAlive: false, idleStopMs: 500, stopTimeoutMs: 2000, restartMinMs: 500, restartMaxMs: 1000,
      maxStartAttempts: 5, errorRetryMs: 5000, probeTimeoutMs: 10_000, maxViewers: 10,
      gopCacheMaxBytes: 8 * 1024 * 1024, stallTimeoutMs: 20_000,
      pace: { leadSec: 1, readAheadSec: 3, historySec: 30, historyMaxBytes: 64 * 1024 * 1024 },
      stateIntervalMs: 1000, vod: null, openControl: true, log: createLogger('test'),
    });
    await channel.prime(); // learns the duration: seekable
    let init: InitSegment | null = null;
    const first = new Promise<Fragment>((resolve) => {
      const viewer: ChannelViewer = {
        onInit: (i) => (init = i),
        onFragment: (f) => resolve(f),
        onState: () => {},
        onError: () => {},
      };
      channel.addViewer(viewer); // starts at 0; its probe waits on gates[0]
    });
    expect(channel.command({ type: 'seek', position: 12 }).ok).toBe(true); // probe waits on gates[1]
    gates[0]!.resolve(); // the superseded start's probe returns first…
    await new Promise((r) => setTimeout(r, 50));
    gates[1]!.resolve(); // …then the seek's
    try {
      const fragment = await first;
      const moof = parseMoof(new BoxSplitter().push(fragment.data).find((b) => b.type === 'moof')!.data)!;
      const video = moof.tracks.find((t) => t.trackId === 1)!;
      const seg = init as InitSegment | null;
      const timescale = seg!.tracks.find((t) => t.id === seg!.videoTrackId)!.timescale;
      const start = video.baseDecodeTime! / timescale - TIMELINE_BASE_SEC;
      expect(start).toBeGreaterThan(12 - 2); // the keyframe at or before 12, not 0
      expect(start).toBeLessThanOrEqual(12.05);
    } finally {
      await channel.close();
    }
  }, 30_000);
});
