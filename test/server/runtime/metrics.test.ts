/**
 * server/metrics.ts: each test owns a fresh Metrics (its own Registry), calls the push methods and
 * reads the Prometheus text back, as a scraper would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL_STATES, DELIVERY_BUCKETS_S, MAX_REASONS, Metrics, closeCodeLabel, type ChannelSample } from '../../../server/runtime/metrics.js';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses Prometheus text format samples (`name{a="b",c="d"} 12`), skipping comments. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = JSON.parse(`"${l[2]!}"`) as string;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function samples(metrics: Metrics): Promise<Sample[]> {
  return parse(await metrics.registry.metrics());
}

/** The value of one series, or undefined when it is absent. */
function value(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hit = all.find((s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length
    && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value;
}

describe('push side', () => {
  it('fragments and bytes per channel', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.fragmentSent('tp', 1000);
    m.fragmentSent('tp', 500);
    m.fragmentSent('movie', 42);
    m.fragmentSent('tp', Number.NaN); // counted as a fragment, no bytes
    const s = await samples(m);
    expect(value(s, 'pushcast_fragments_sent_total', { channel: 'tp' })).toBe(3);
    expect(value(s, 'pushcast_bytes_sent_total', { channel: 'tp' })).toBe(1500);
    expect(value(s, 'pushcast_fragments_sent_total', { channel: 'movie' })).toBe(1);
    expect(value(s, 'pushcast_bytes_sent_total', { channel: 'movie' })).toBe(42);
  });

  it('delivery delay histogram: buckets from 1 ms to 5 s, cumulative counts, sum', async () => {
    const m = new Metrics({ defaultMetrics: false });
    for (const seconds of [0.0005, 0.003, 0.003, 0.2, 7, -0.01, Number.POSITIVE_INFINITY]) m.deliveryDelay('tp', seconds);
    const s = await samples(m);
    const buckets = s.filter((x) => x.name === 'pushcast_fragment_delivery_seconds_bucket' && x.labels['channel'] === 'tp');
    expect(buckets.map((b) => b.labels['le'])).toEqual([...DELIVERY_BUCKETS_S.map(String), '+Inf']);
    expect(DELIVERY_BUCKETS_S[0]).toBe(0.001);
    expect(DELIVERY_BUCKETS_S.at(-1)).toBe(5);
    const le = (x: string): number | undefined => buckets.find((b) => b.labels['le'] === x)?.value;
    // -0.01 (clock skew) counts as 0; Infinity is ignored.
    expect(le('0.001')).toBe(2);
    expect(le('0.005')).toBe(4);
    expect(le('0.25')).toBe(5);
    expect(le('5')).toBe(5);
    expect(le('+Inf')).toBe(6);
    expect(value(s, 'pushcast_fragment_delivery_seconds_count', { channel: 'tp' })).toBe(6);
    expect(value(s, 'pushcast_fragment_delivery_seconds_sum', { channel: 'tp' })).toBeCloseTo(0.0005 + 0.006 + 0.2 + 7, 9);
  });

  it('drops, ffmpeg starts and restarts', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.dropped('tp', 3);
    m.dropped('tp', 0);
    m.dropped('tp', -2);
    m.ffmpegStarted('tp', false);
    m.ffmpegStarted('tp', true);
    m.ffmpegStarted('tp', true);
    const s = await samples(m);
    expect(value(s, 'pushcast_fragments_dropped_total', { channel: 'tp' })).toBe(3);
    expect(value(s, 'pushcast_ffmpeg_starts_total', { channel: 'tp' })).toBe(3);
    expect(value(s, 'pushcast_ffmpeg_restarts_total', { channel: 'tp' })).toBe(2);
  });

  it('WebSocket connections: total, open now, closes by code', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.wsOpened();
    m.wsOpened();
    m.wsOpened();
    m.wsClosed(1000);
    m.wsClosed(4001);
    let s = await samples(m);
    expect(value(s, 'pushcast_ws_connections_total')).toBe(3);
    expect(value(s, 'pushcast_ws_connections')).toBe(1);
    expect(value(s, 'pushcast_ws_closes_total', { code: '1000' })).toBe(1);
    expect(value(s, 'pushcast_ws_closes_total', { code: '4001' })).toBe(1);
    m.wsClosed(1006);
    m.wsClosed(1006); // one close more than opens: the gauge stays at 0
    s = await samples(m);
    expect(value(s, 'pushcast_ws_connections')).toBe(0);
    expect(value(s, 'pushcast_ws_closes_total', { code: '1006' })).toBe(2);
  });

  it.each<[number, string]>([
    [1000, '1000'], [1001, '1001'], [1006, '1006'], [1008, '1008'], [1009, '1009'], [1015, '1015'], [4001, '4001'],
    [1016, 'other'], [3000, 'other'], [4999, 'other'], [999, 'other'], [1000.5, 'other'], [Number.NaN, 'other'],
  ])('close code %s is labelled %s', (code, label) => {
    expect(closeCodeLabel(code)).toBe(label);
  });

  it('a client cannot grow the close-code series: 2000 distinct codes make one "other"', async () => {
    const m = new Metrics({ defaultMetrics: false });
    for (let code = 3000; code < 5000; code++) m.wsClosed(code);
    const closes = (await samples(m)).filter((x) => x.name === 'pushcast_ws_closes_total');
    expect(closes.map((c) => c.labels['code']).sort()).toEqual(['4001', 'other']);
    expect(closes.find((c) => c.labels['code'] === 'other')?.value).toBe(1999);
  });

  it('rejections by reason; malformed reasons and those past MAX_REASONS count as "other"', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.rejected('origin');
    m.rejected('origin');
    m.rejected('too_many_connections');
    m.rejected('Bad Reason!');
    m.rejected('x'.repeat(100));
    for (let i = 0; i < MAX_REASONS + 10; i++) m.rejected(`r${i}`);
    const rejected = (await samples(m)).filter((x) => x.name === 'pushcast_rejected_total');
    expect(value(rejected, 'pushcast_rejected_total', { reason: 'origin' })).toBe(2);
    expect(value(rejected, 'pushcast_rejected_total', { reason: 'too_many_connections' })).toBe(1);
    expect(rejected).toHaveLength(MAX_REASONS + 1);
    // 2 malformed + the 12 well-formed reasons that came after the first MAX_REASONS distinct ones.
    expect(value(rejected, 'pushcast_rejected_total', { reason: 'other' })).toBe(2 + 12);
  });

  it('channelRemoved forgets the series of that channel only', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.fragmentSent('gone', 10);
    m.deliveryDelay('gone', 0.01);
    m.fragmentSent('kept', 10);
    m.channelRemoved('gone');
    m.channelRemoved('never-seen');
    const text = await m.registry.metrics();
    expect(text).not.toContain('channel="gone"');
    expect(value(parse(text), 'pushcast_bytes_sent_total', { channel: 'kept' })).toBe(10);
  });

  it('channel ids with quotes and backslashes are escaped, not breaking the format', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.fragmentSent('we"ird\\id', 1);
    expect(value(await samples(m), 'pushcast_fragments_sent_total', { channel: 'we"ird\\id' })).toBe(1);
  });
});

describe('pull side: channel gauges read at scrape time', () => {
  it('viewers per channel and one state set to 1', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let list: ChannelSample[] = [
      { id: 'tp', status: 'running', viewers: 3 },
      { id: 'movie', status: 'retrying', viewers: 0 },
    ];
    m.watchChannels(() => list);
    let s = await samples(m);
    expect(value(s, 'pushcast_channel_viewers', { channel: 'tp' })).toBe(3);
    expect(value(s, 'pushcast_channel_viewers', { channel: 'movie' })).toBe(0);
    for (const state of CHANNEL_STATES) {
      expect(value(s, 'pushcast_channel_state', { channel: 'tp', state })).toBe(state === 'running' ? 1 : 0);
      expect(value(s, 'pushcast_channel_state', { channel: 'movie', state })).toBe(state === 'retrying' ? 1 : 0);
    }
    // The next scrape sees the list as it is then: movie is gone, tp changed.
    list = [{ id: 'tp', status: 'error', viewers: 1 }];
    s = await samples(m);
    expect(value(s, 'pushcast_channel_viewers', { channel: 'tp' })).toBe(1);
    expect(value(s, 'pushcast_channel_state', { channel: 'tp', state: 'error' })).toBe(1);
    expect(value(s, 'pushcast_channel_state', { channel: 'tp', state: 'running' })).toBe(0);
    expect(s.some((x) => x.labels['channel'] === 'movie')).toBe(false);
  });

  it('a channel list that throws is reported and the scrape still answers', async () => {
    const errors: unknown[] = [];
    const m = new Metrics({ defaultMetrics: false, onError: (e) => errors.push(e) });
    m.watchChannels(() => {
      throw new Error('registry closed');
    });
    m.wsOpened();
    const s = await samples(m);
    expect(value(s, 'pushcast_ws_connections')).toBe(1);
    expect(s.some((x) => x.name === 'pushcast_channel_viewers')).toBe(false);
    expect(errors.map(String)).toEqual(['Error: registry closed', 'Error: registry closed']);
  });
});

describe('registries and process metrics', () => {
  it('two Metrics in one process keep separate numbers', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.fragmentSent('tp', 5);
    expect(value(await samples(a), 'pushcast_fragments_sent_total', { channel: 'tp' })).toBe(1);
    expect(value(await samples(b), 'pushcast_fragments_sent_total', { channel: 'tp' })).toBeUndefined();
  });

  it('process metrics are collected (CPU, resident memory, event loop lag)', async () => {
    const s = await samples(new Metrics());
    expect(value(s, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value(s, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('handle(): GET /metrics over HTTP', () => {
  let server: http.Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function serve(m: Metrics): Promise<string> {
    server = http.createServer((req, res) => void m.handle(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  it('answers GET with the text format and its content type, HEAD without a body, POST with 405', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.fragmentSent('tp', 7);
    const url = await serve(m);
    const get = await fetch(url);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe(m.registry.contentType);
    expect(get.headers.get('cache-control')).toBe('no-store');
    const body = await get.text();
    expect(Number(get.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(value(parse(body), 'pushcast_bytes_sent_total', { channel: 'tp' })).toBe(7);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
