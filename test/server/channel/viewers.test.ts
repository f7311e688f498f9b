/**
 * Channel.addViewer's limit (maxViewers = config.maxViewersPerChannel). No ffmpeg: the source's
 * prepare() fails at once, so the channel only goes starting → retrying.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Channel, type ChannelOptions, type ChannelViewer } from '../../../server/channel/channel.js';
import { DEFAULTS } from '../../../server/runtime/config.js';
import { ErrorCode, PushcastError } from '../../../server/core/errors.js';
import { createLogger } from '../../../server/runtime/log.js';
import type { ChannelSource } from '../../../server/channel/sources.js';

const failing: ChannelSource = {
  kind: 'live',
  display: 'nowhere',
  prepare: () => Promise.reject(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, 'cannot read source: nowhere')),
};

function options(over: Partial<ChannelOptions> = {}): ChannelOptions {
  return {
    id: 'ch', source: failing, ffmpegPath: '/nonexistent/ffmpeg',
    tuning: { fragmentMs: 200, keyframeIntervalSec: 1 }, keepAlive: false, idleStopMs: 500, stopTimeoutMs: 1000,
    restartMinMs: 60_000, restartMaxMs: 60_000, maxStartAttempts: 5, errorRetryMs: 60_000,
    gopCacheMaxBytes: 1024, stallTimeoutMs: 20_000, probeTimeoutMs: 1000, maxViewers: 2,
    pace: { leadSec: 1, readAheadSec: 3, historySec: 30, historyMaxBytes: 1024 * 1024 },
    stateIntervalMs: 1000, vod: null, openControl: false, log: createLogger('test', { level: 'silent' }),
    ...over,
  };
}

function viewer(): ChannelViewer & { states: number; errors: string[] } {
  const v = {
    states: 0,
    errors: [] as string[],
    onInit: () => {},
    onFragment: () => {},
    onState: () => { v.states++; },
    onError: (e: PushcastError) => { v.errors.push(e.code); },
  };
  return v;
}

describe('Channel.addViewer', () => {
  const channels: Channel[] = [];
  afterEach(async () => {
    for (const c of channels.splice(0)) await c.close();
  });
  const make = (over?: Partial<ChannelOptions>): Channel => {
    const c = new Channel(options(over));
    channels.push(c);
    return c;
  };

  it('refuses a viewer beyond maxViewers with CHANNEL_FULL, and takes one again when a place frees', () => {
    const channel = make();
    const [a, b, c] = [viewer(), viewer(), viewer()];
    expect(channel.addViewer(a)).toEqual({ ok: true });
    expect(channel.addViewer(b)).toEqual({ ok: true });
    const refused = channel.addViewer(c);
    expect(refused).toMatchObject({ ok: false, code: 'CHANNEL_FULL' });
    expect(refused.ok ? '' : refused.message).toMatch(/maximum of 2 viewers/);
    expect(channel.viewerCount).toBe(2);
    expect(c.states).toBe(0); // a refused viewer gets nothing from the channel
    channel.removeViewer(a);
    expect(channel.addViewer(c)).toEqual({ ok: true });
    expect(channel.viewerCount).toBe(2);
  });

  it('adding the same viewer twice counts it once', () => {
    const channel = make({ maxViewers: 1 });
    const a = viewer();
    expect(channel.addViewer(a)).toEqual({ ok: true });
    expect(channel.addViewer(a)).toEqual({ ok: true });
    expect(channel.viewerCount).toBe(1);
  });

  it('refuses viewers once closed (shutdown)', async () => {
    const channel = make();
    await channel.close();
    expect(channel.addViewer(viewer())).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
  });

  it('a failed start tells the viewers and retries later (no ffmpeg involved)', async () => {
    const channel = make();
    const a = viewer();
    channel.addViewer(a);
    await new Promise((r) => setTimeout(r, 20));
    expect(channel.info()).toMatchObject({ status: 'retrying', attempt: 1, error: { code: 'SOURCE_UNAVAILABLE' } });
    expect(a.errors).toEqual(['SOURCE_UNAVAILABLE']);
    expect(DEFAULTS.maxViewersPerChannel).toBeGreaterThan(2);
  });
});
