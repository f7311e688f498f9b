/**
 * Prometheus metrics (prom-client) for `GET /metrics`.
 *
 * Push side: session / channel / server call the small methods below as things happen. They are
 * hot (one call per fragment per viewer), so each reuses a cached label object per channel and
 * never throws: a NaN or a negative value is dropped, not a reason to break a send loop.
 * Pull side: channel viewers and states are read at scrape time from `watchChannels()`'s list
 * (prom-client's `collect()`), so nothing has to push a gauge on every state change.
 *
 * Each `Metrics` owns its own `Registry` (not prom-client's global one): several apps in one test
 * process, each with its own numbers, do not clash over metric names.
 *
 * Label cardinality is bounded: `channel` is a channel id (config entries and media file names),
 * `code` a WebSocket close code from a fixed list, `reason` one of at most MAX_REASONS short words.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CloseCode, type ChannelStatus } from '../core/protocol.js';

/** Every ChannelStatus, in the order of the state machine; the check below fails to compile when one is added. */
export const CHANNEL_STATES = ['idle', 'starting', 'running', 'retrying', 'stopping', 'error'] as const satisfies readonly ChannelStatus[];
type MissingState = Exclude<ChannelStatus, (typeof CHANNEL_STATES)[number]>;
const allStatesListed: [MissingState] extends [never] ? true : MissingState = true;
void allStatesListed;

/**
 * Fragment delivery delay buckets, seconds: 1 ms (loopback, an idle socket) to 5 s (a viewer about
 * to be skipped to a keyframe). Sub-second latency is the product, so most buckets are below 0.5 s.
 */
export const DELIVERY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Close codes kept as their own label: the RFC 6455 §7.4.1 range (1000–1015) and pushcast's own
 * (protocol.ts CloseCode). A client picks the code of a close it starts, so anything else is
 * counted as `other` rather than letting a client create thousands of series.
 */
const KNOWN_CLOSE_CODES = new Set<number>([...Array.from({ length: 16 }, (_, i) => 1000 + i), ...Object.values(CloseCode)]);
export const OTHER = 'other';

/** Distinct `reason` labels kept; later new ones count as `other`. */
export const MAX_REASONS = 32;
const REASON_RE = /^[a-z][a-z0-9_]{0,39}$/;

/** The `code` label for a close code: the number, or `other` outside KNOWN_CLOSE_CODES. */
export function closeCodeLabel(code: number): string {
  return Number.isInteger(code) && KNOWN_CLOSE_CODES.has(code) ? String(code) : OTHER;
}

/** What `watchChannels` reads per channel at scrape time (ChannelInfo has these fields). */
export interface ChannelSample {
  id: string;
  status: string;
  viewers: number;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC, handles): default true. */
  defaultMetrics?: boolean;
  /** Told when the channel list throws at scrape time (the scrape still answers, without those gauges). */
  onError?: (err: unknown) => void;
}

interface ChannelLabels {
  readonly channel: string;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly fragments: Counter<'channel'>;
  private readonly bytes: Counter<'channel'>;
  private readonly delay: Histogram<'channel'>;
  private readonly drops: Counter<'channel'>;
  private readonly starts: Counter<'channel'>;
  private readonly restarts: Counter<'channel'>;
  private readonly wsTotal: Counter;
  private readonly wsOpen: Gauge;
  private readonly wsCloses: Counter<'code'>;
  private readonly rejects: Counter<'reason'>;
  /** One label object per channel / code / reason, reused on every call. */
  private readonly channelLabels = new Map<string, ChannelLabels>();
  private readonly codeLabels = new Map<string, { readonly code: string }>();
  private readonly reasonLabels = new Map<string, { readonly reason: string }>();
  private readonly otherReason = { reason: OTHER } as const;
  private open = 0;
  private listChannels: (() => ChannelSample[]) | null = null;
  private readonly onError: (err: unknown) => void;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.onError = options.onError ?? (() => {});
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const perChannel = { labelNames: ['channel'] as const, registers };
    this.fragments = new Counter({ name: 'pushcast_fragments_sent_total', help: 'Media fragments handed to viewer sockets.', ...perChannel });
    this.bytes = new Counter({ name: 'pushcast_bytes_sent_total', help: 'Media bytes (init segments and fragments) handed to viewer sockets.', ...perChannel });
    this.delay = new Histogram({
      name: 'pushcast_fragment_delivery_seconds',
      help: 'Time from ffmpeg emitting a fragment to a viewer socket accepting it, seconds.',
      buckets: DELIVERY_BUCKETS_S,
      ...perChannel,
    });
    this.drops = new Counter({ name: 'pushcast_fragments_dropped_total', help: 'Fragments skipped for viewers that fell behind.', ...perChannel });
    this.starts = new Counter({ name: 'pushcast_ffmpeg_starts_total', help: 'ffmpeg processes started (first runs and restarts).', ...perChannel });
    this.restarts = new Counter({ name: 'pushcast_ffmpeg_restarts_total', help: 'ffmpeg processes started again after a failure or a stall.', ...perChannel });
    this.wsTotal = new Counter({ name: 'pushcast_ws_connections_total', help: 'WebSocket connections accepted.', registers });
    this.wsOpen = new Gauge({ name: 'pushcast_ws_connections', help: 'WebSocket connections open now.', registers });
    this.wsCloses = new Counter({ name: 'pushcast_ws_closes_total', help: 'WebSocket connections closed, by close code.', labelNames: ['code'], registers });
    this.rejects = new Counter({
      name: 'pushcast_rejected_total',
      help: 'Connections and requests refused, by reason (origin, rate, too_many_connections, ...).',
      labelNames: ['reason'],
      registers,
    });
    // Read at scrape time; reset() first so a channel that is gone leaves no stale series.
    const self = this;
    new Gauge({
      name: 'pushcast_channel_viewers',
      help: 'Viewers joined to each channel.',
      labelNames: ['channel'],
      registers,
      collect() {
        this.reset();
        for (const c of self.sample()) if (Number.isFinite(c.viewers)) this.set(self.forChannel(c.id), c.viewers);
      },
    });
    new Gauge({
      name: 'pushcast_channel_state',
      help: 'Channel supervision state: 1 for the current state, 0 for the others.',
      labelNames: ['channel', 'state'],
      registers,
      collect() {
        this.reset();
        for (const c of self.sample()) {
          for (const state of CHANNEL_STATES) this.set({ channel: c.id, state }, c.status === state ? 1 : 0);
        }
      },
    });
  }

  // ---- push side ------------------------------------------------------------------------------

  /** One fragment (or init segment) of `bytes` bytes handed to one viewer's socket. */
  fragmentSent(channelId: string, bytes: number): void {
    const labels = this.forChannel(channelId);
    this.fragments.inc(labels, 1);
    if (bytes > 0 && Number.isFinite(bytes)) this.bytes.inc(labels, bytes);
  }

  /** Seconds from ffmpeg's output of a fragment to the socket accepting it (negative clock skew counts as 0). */
  deliveryDelay(channelId: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.delay.observe(this.forChannel(channelId), Math.max(0, seconds));
  }

  /** `count` fragments skipped for a viewer of the channel. */
  dropped(channelId: string, count: number): void {
    if (count > 0 && Number.isFinite(count)) this.drops.inc(this.forChannel(channelId), count);
  }

  /** An ffmpeg started for the channel; `restart` when it replaces one that failed or stalled. */
  ffmpegStarted(channelId: string, restart: boolean): void {
    const labels = this.forChannel(channelId);
    this.starts.inc(labels, 1);
    if (restart) this.restarts.inc(labels, 1);
  }

  wsOpened(): void {
    this.open += 1;
    this.wsTotal.inc(1);
    this.wsOpen.set(this.open);
  }

  /** A WebSocket closed with `code` (the code it was closed with, by either side). */
  wsClosed(code: number): void {
    this.open = Math.max(0, this.open - 1);
    this.wsOpen.set(this.open);
    const label = closeCodeLabel(code);
    let labels = this.codeLabels.get(label);
    if (!labels) this.codeLabels.set(label, (labels = { code: label }));
    this.wsCloses.inc(labels, 1);
  }

  /** A connection or request refused; `reason` is a short snake_case word (origin, rate, too_many_connections). */
  rejected(reason: string): void {
    let labels = this.reasonLabels.get(reason);
    if (!labels) {
      const own = REASON_RE.test(reason) && this.reasonLabels.size < MAX_REASONS;
      labels = own ? { reason } : this.otherReason;
      if (own) this.reasonLabels.set(reason, labels);
    }
    this.rejects.inc(labels, 1);
  }

  /** Forgets a channel's series (a media file that was removed), so ids that come and go stay bounded. */
  channelRemoved(channelId: string): void {
    const labels = this.channelLabels.get(channelId);
    if (!labels) return;
    for (const m of [this.fragments, this.bytes, this.drops, this.starts, this.restarts]) m.remove(labels);
    this.delay.remove(labels);
    this.channelLabels.delete(channelId);
  }

  // ---- pull side ------------------------------------------------------------------------------

  /** Where scrape-time channel gauges come from (e.g. `() => channels.all().map((c) => c.info())`). */
  watchChannels(list: () => ChannelSample[]): void {
    this.listChannels = list;
  }

  /** `GET /metrics` (and HEAD): the registry in Prometheus text format; other methods get 405. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('method not allowed\n');
      return;
    }
    let body: string;
    try {
      body = await this.registry.metrics();
    } catch (err) {
      this.onError(err);
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('metrics collection failed\n');
      return;
    }
    const bytes = Buffer.from(body);
    res.writeHead(200, { 'Content-Type': this.registry.contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  private forChannel(channelId: string): ChannelLabels {
    let labels = this.channelLabels.get(channelId);
    if (!labels) this.channelLabels.set(channelId, (labels = { channel: channelId }));
    return labels;
  }

  /** The watched channel list, or none when unset or when it throws (reported through onError). */
  private sample(): ChannelSample[] {
    if (!this.listChannels) return [];
    try {
      return this.listChannels();
    } catch (err) {
      this.onError(err);
      return [];
    }
  }
}
