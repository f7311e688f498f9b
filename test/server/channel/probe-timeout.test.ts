/**
 * Integration (real ffprobe, a real TCP listener on 127.0.0.1): a source that accepts the
 * connection and never sends a byte. The start's probe must give up after probeTimeoutMs, its
 * ffprobe be killed (no child left), and the channel go to `retrying` instead of hanging in
 * `starting` (before: until ffprobe's own 10 s network timeout, and no deadline at all for
 * protocols without one). A shutdown during such a probe leaves no ffprobe behind either.
 *
 * Built on ChannelRegistry with the prober server.ts is meant to pass it (url, opts) =>
 * probeSource(ffprobe, url, opts), so the probe's deadline, abort signal and child set arrive.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelViewer } from '../../../server/channel/channel.js';
import { ChannelRegistry } from '../../../server/channel/registry.js';
import { DEFAULTS, type Config } from '../../../server/runtime/config.js';
import type { PushcastError } from '../../../server/core/errors.js';
import { probeSource } from '../../../server/ffmpeg/probe.js';
import { createLogger } from '../../../server/runtime/log.js';
import type { ChannelStatus } from '../../../server/core/protocol.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { mediaChildren } from '../../helpers/processes.js';

const ffmpeg = await findTestFfmpeg();
const PROBE_TIMEOUT_MS = 1500;

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!ffmpeg?.ffprobe)('a source that accepts and never sends', () => {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const silent = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  function registry(): ChannelRegistry {
    const config: Config = {
      ...DEFAULTS, testPattern: false, mediaDir: '/nonexistent-pushcast-media', probeTimeoutMs: PROBE_TIMEOUT_MS,
      restartMinMs: 1000, channels: [{ id: 'hang', source: `tcp://127.0.0.1:${port}` }],
    };
    const ffprobe = ffmpeg!.ffprobe!;
    return new ChannelRegistry(config, ffmpeg!.ffmpeg, (url, opts) => probeSource(ffprobe, url, opts), createLogger('test'));
  }

  function viewer(errors: PushcastError[]): ChannelViewer {
    return { onInit: () => {}, onFragment: () => {}, onState: () => {}, onError: (e) => errors.push(e) };
  }

  it('leaves starting within probeTimeoutMs, kills its ffprobe, and retries', async () => {
    const channels = registry();
    const channel = channels.get('hang')!;
    const seen: ChannelStatus[] = [];
    channel.on('state', (info) => seen.push(info.status));
    const errors: PushcastError[] = [];
    const before = connections;
    try {
      const t0 = Date.now();
      expect(channel.addViewer(viewer(errors))).toEqual({ ok: true });
      expect(channel.currentStatus).toBe('starting');
      await until(() => connections > before, 5000, 'ffprobe to connect');
      expect(mediaChildren().map((p) => p.comm)).toContain('ffprobe');
      await until(() => channel.currentStatus !== 'starting', PROBE_TIMEOUT_MS + 5000, 'the channel to leave starting');
      const took = Date.now() - t0;
      console.log(`silent source: left 'starting' after ${took} ms (probeTimeoutMs ${PROBE_TIMEOUT_MS})`);
      expect(took).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 50);
      expect(took).toBeLessThan(PROBE_TIMEOUT_MS + 1500);
      expect(channel.currentStatus).toBe('retrying');
      const info = channel.info();
      expect(info.attempt).toBe(1);
      expect(info.nextRetryAt).toBeGreaterThan(Date.now());
      expect(info.error).toEqual({ code: 'SOURCE_UNAVAILABLE', message: `source did not answer within ${PROBE_TIMEOUT_MS} ms (probe timed out)` });
      expect(errors.map((e) => e.code)).toEqual(['SOURCE_UNAVAILABLE']);
      // The ffprobe was killed (SIGKILL) and reaped: none left, zombies included, before the retry.
      await until(() => mediaChildren().length === 0, 800, 'the ffprobe to be gone');
      // The retry (1 s later) probes again and fails the same way: attempt 2, a 2 s backoff.
      await until(() => channel.info().attempt === 2, 1000 + PROBE_TIMEOUT_MS + 3000, 'the second failed start');
      expect(channel.info().nextRetryAt! - Date.now()).toBeGreaterThan(1500);
      expect(seen).not.toContain('running');
    } finally {
      await channels.close();
    }
    expect(mediaChildren()).toEqual([]);
  }, 30_000);

  it('close() during a hanging probe stops the ffprobe and resolves once it is gone', async () => {
    const channels = registry();
    const channel = channels.get('hang')!;
    const before = connections;
    channel.addViewer(viewer([]));
    await until(() => connections > before, 5000, 'ffprobe to connect');
    expect(mediaChildren().map((p) => p.comm)).toEqual(['ffprobe']);
    expect(channels.children.list().map((c) => c.kind)).toEqual(['ffprobe']);
    await channels.close();
    // No wait: close() resolves only when every child has exited.
    expect(mediaChildren()).toEqual([]);
    expect(channels.children.size).toBe(0);
  }, 30_000);
});
