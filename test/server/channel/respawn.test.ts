/**
 * Regression (issue 9, fix-first 4): a truncated MP4 whose ffmpeg exits 0 without producing media
 * restarted 26 times in 5 s while the channel said `running` (the file's end-of-source loop took
 * it for a played file). Real server, real ffmpeg and ffprobe; ffmpeg runs through a wrapper
 * script that logs each start (with its time) and then execs the real binary.
 *
 * The file: a +faststart clip cut right after its moov. ffprobe reads a 4 s index; the channel is
 * configured `transcode: "never"`, so ffmpeg remuxes: it writes the init segment, finds no
 * sample, and exits 0. (With `auto` the undecodable stream is transcoded and that ffmpeg exits
 * 1, a failure the old code did back off from.)
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeSource } from '../../../server/ffmpeg/probe.js';
import { BoxSplitter } from '../../../server/media/box-splitter.js';
import type { ChannelInfo, ChannelStatus } from '../../../server/core/protocol.js';
import { generateSample } from '../../../server/sample-media.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { startTestServer, tempDir, TestClient, type TestServer } from '../../helpers/server.js';

const ffmpeg = await findTestFfmpeg();

describe.skipIf(!ffmpeg)('a truncated MP4 (ffmpeg exits 0 without a fragment)', () => {
  const media = tempDir();
  // Not a media folder (no auto channel): the channel is configured, with transcode "never".
  const mediaDir = path.join(media.dir, 'no-media');
  const file = path.join(media.dir, 'broken.mp4');
  const startsLog = path.join(media.dir, 'starts.log');
  const wrapper = path.join(media.dir, 'ffmpeg-counting');
  let server: TestServer | null = null;

  beforeAll(async () => {
    const whole = path.join(media.dir, 'whole.mp4');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: whole, durationSec: 4 }); // +faststart: moov first
    // Keep ftyp + moov (+ free), cut before the media data: the index promises 4 s, no sample is there.
    const data = readFileSync(whole);
    let mdatAt = 0;
    for (const box of new BoxSplitter().push(data)) {
      if (box.type === 'mdat') break;
      mdatAt += box.data.length;
    }
    expect(mdatAt).toBeGreaterThan(0);
    writeFileSync(file, data.subarray(0, mdatAt + 8));
    writeFileSync(wrapper, `#!/bin/sh\necho "$(date +%s%3N)" >> '${startsLog}'\nexec '${ffmpeg!.ffmpeg}' "$@"\n`);
    chmodSync(wrapper, 0o755);
  }, 120_000);
  afterEach(async () => {
    await server?.close();
    server = null;
    writeFileSync(startsLog, '');
  });
  afterAll(() => media.remove());

  const config = { testPattern: false, mediaDir, channels: [{ id: 'broken', source: file, transcode: 'never' as const }] };
  /** Wall-clock times (ms) of the ffmpeg starts logged so far. */
  const starts = (): number[] => (existsSync(startsLog) ? readFileSync(startsLog, 'utf8').split('\n').filter(Boolean).map(Number) : []);

  async function watch(s: TestServer): Promise<{ client: TestClient; statuses: ChannelStatus[] }> {
    const client = new TestClient(s.wsUrl);
    await client.open();
    await client.nextText('welcome');
    client.send({ type: 'hello', codecs: ['avc1.640028', 'mp4a.40.2'] });
    client.send({ type: 'join', channel: 'broken' });
    const statuses: ChannelStatus[] = [];
    client.ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(String(data)) as { type: string; channel?: ChannelInfo };
      if (msg.type === 'state' && msg.channel) statuses.push(msg.channel.status);
    });
    return { client, statuses };
  }

  it('the premise: ffprobe reads the index (a 4 s H.264 file)', async () => {
    const probe = await probeSource(ffmpeg!.ffprobe!, file);
    expect(probe.duration).toBeGreaterThan(3);
    expect(probe.video?.codec).toBe('h264');
  });

  it('restarts only through the backoff (≤ 4 starts in 5 s) and never says running', async () => {
    server = await startTestServer({ ...ffmpeg!, ffmpeg: wrapper }, { ...config, restartMinMs: 1000, restartMaxMs: 30_000 });
    const { client, statuses } = await watch(server);
    await new Promise((r) => setTimeout(r, 5000));
    const count = starts().length;
    console.log(`truncated MP4: ${count} ffmpeg starts in 5 s; states seen: ${[...new Set(statuses)].join(', ')}`);
    // Backoff 1 s, 2 s, 4 s: starts at about 0, 1 and 3 s (one more as margin for a slow start).
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count).toBeLessThanOrEqual(4);
    expect(statuses).not.toContain('running');
    expect(statuses).toContain('retrying');
    const info = (await (await fetch(`${server.url}/api/channels/broken`)).json()) as ChannelInfo;
    expect(info.status).toBe('retrying');
    expect(info.attempt).toBeGreaterThanOrEqual(2);
    expect(info.nextRetryAt).toBeGreaterThan(info.serverTime);
    expect(info.error?.code).toBe('FFMPEG_EXIT');
    expect(info.error?.message).toMatch(/without producing any media/);
    const err = await client.nextText('error');
    expect(err.code).toBe('FFMPEG_EXIT');
    client.close();
  }, 30_000);

  it('after maxStartAttempts failures in a row it is in error and retries only every errorRetryMs', async () => {
    server = await startTestServer({ ...ffmpeg!, ffmpeg: wrapper }, {
      ...config, restartMinMs: 100, restartMaxMs: 400, maxStartAttempts: 3, errorRetryMs: 3000,
    });
    const { client, statuses } = await watch(server);
    const { frame } = await client.find((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'error', 0, 15_000);
    const info = (frame as { msg: { channel: ChannelInfo } }).msg.channel;
    expect(info.attempt).toBe(3);
    expect((info.nextRetryAt ?? 0) - info.serverTime).toBeGreaterThan(2500);
    const before = starts().length;
    expect(before).toBe(3);
    // Nothing for the next 2 s (the slow retry is 3 s after the 3rd failure) …
    await new Promise((r) => setTimeout(r, 2000));
    expect(starts().length).toBe(before);
    // … then one more start, and the channel is still in error.
    const more = await client.find((r) => r.kind === 'text' && r.msg.type === 'state' && r.msg.channel.status === 'error' && r.msg.channel.attempt === 4, 0, 10_000);
    expect(more).toBeDefined();
    const times = starts();
    expect(times.length).toBe(4);
    expect(times[3]! - times[2]!).toBeGreaterThan(2500);
    expect(statuses).not.toContain('running');
    client.close();
  }, 40_000);
});
