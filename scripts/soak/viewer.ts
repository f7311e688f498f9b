/**
 * One simulated viewer for `npm run bench:soak`: a real WebSocket client speaking pushcast's protocol
 * (hello with codecs, join) that counts what it receives and times each fragment against the wall
 * clock ffmpeg wrote into its prft box. It does not decode media.
 *
 * Roles:
 *   healthy  reads everything; its delays are the headline numbers
 *   slow     reads for 2–6 s, then stops reading its socket (ws.pause(): the kernel buffers fill and
 *            the server's send queue grows) for 5–20 s; then resumes (and repeats) or never reads again
 *   churn    every 2–6 s either leaves and re-joins the channel or closes and reconnects
 * Every role reconnects after 0.5–2 s when the server closes it, as the browser player does.
 *
 * States:  idle → connecting → open → (waiting → connecting …) ; any → draining → stopped
 *   draining: the run is over; no more reconnects or behaviour, but the socket stays to see how the
 *   server closes it at shutdown.
 */
import WebSocket from 'ws';
import { readPrft } from '../../server/core/prft.js';
import { CANDIDATE_CODECS } from '../../server/core/protocol.js';
import { MsHistogram, Tally } from './stats.js';

export type Role = 'healthy' | 'slow' | 'churn';
export type ViewerState = 'idle' | 'connecting' | 'open' | 'waiting' | 'draining' | 'stopped';

/** What all viewers add to; the soak's progress lines and summary read it. */
export class SoakMetrics {
  delay: Record<Role, MsHistogram> = { healthy: new MsHistogram(), slow: new MsHistogram(), churn: new MsHistogram() };
  /** Healthy viewers' delays since the last progress line (reset by the reader). */
  readonly intervalDelay = new MsHistogram();
  /** From sending `join` to the first media fragment of the timeline it opened, ms. */
  readonly joinToFirst = new MsHistogram();
  fragments = 0;
  /**
   * Fragments ffmpeg wrote before the viewer joined: the GOP cache a join starts with, old by design
   * (up to one keyframe interval). Counted here and kept out of the delay numbers.
   */
  replayed = 0;
  bytes = 0;
  inits = 0;
  /** Closes of open connections the viewer did not ask for, by close code (1006: no close frame). */
  readonly closes = new Tally();
  /** The same closes keyed `role:code`, to see who got them. */
  readonly closesByRole = new Tally();
  /** The same, once the run is over and the server shuts down. */
  readonly shutdownCloses = new Tally();
  /** Client-side socket errors (refused handshakes, resets), by code or short message. */
  readonly errors = new Tally();
  /** Server `error` messages by code. */
  readonly serverErrors = new Tally();
  /** What the viewers did: stall, resume, stay-stalled, rejoin, reconnect, … */
  readonly actions = new Tally();

  /** Starts the measured window: everything counted so far (the ramp-up) is forgotten. */
  reset(): void {
    for (const h of [...Object.values(this.delay), this.intervalDelay, this.joinToFirst]) h.reset();
    for (const t of [this.closes, this.closesByRole, this.shutdownCloses, this.errors, this.serverErrors, this.actions]) t.clear();
    this.fragments = this.replayed = this.bytes = this.inits = 0;
  }
}

export interface ViewerOptions {
  wsUrl: string;
  /** Sent as Origin so the server's same-origin check sees what a browser on its page would send. */
  origin: string;
  channel: string;
  role: Role;
  metrics: SoakMetrics;
  random?: () => number;
}

/** Handshake deadline, ms: a server that accepts TCP but never upgrades fails the attempt. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class SoakViewer {
  state: ViewerState = 'idle';
  /** True while a slow viewer is not reading its socket. */
  stalled = false;
  private ws: WebSocket | null = null;
  /** Bumped for every connection, so timers and events of an older one do nothing. */
  private generation = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The next binary frame is an init segment (an `mse` message came first). */
  private expectInit = false;
  /** When the latest `join` was sent (ms); null once its first fragment arrived. */
  private joinSentAt: number | null = null;
  /** When the latest `join` was sent (ms), kept: fragments written before it are GOP-cache replays. */
  private joinedAt = 0;
  private mseSinceJoin = false;
  private readonly random: () => number;

  constructor(private readonly opts: ViewerOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** The WebSocket is open (also while draining, until the server closes it). */
  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  get role(): Role {
    return this.opts.role;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** → draining: the run is over; keeps the socket but stops behaving and reconnecting. */
  drain(): void {
    if (this.state === 'stopped') return;
    this.state = 'draining';
    this.clearTimers();
  }

  /** → stopped: drops the connection at once (a stalled socket could not finish a close handshake). */
  stop(): void {
    this.state = 'stopped';
    this.clearTimers();
    this.ws?.terminate();
    this.ws = null;
  }

  private connect(): void {
    const gen = ++this.generation;
    this.state = 'connecting';
    this.stalled = false;
    this.expectInit = false;
    let opened = false;
    const ws = new WebSocket(this.opts.wsUrl, { perMessageDeflate: false, origin: this.opts.origin, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    ws.binaryType = 'nodebuffer';
    this.ws = ws;
    ws.on('open', () => {
      if (gen !== this.generation || this.state !== 'connecting') return;
      opened = true;
      this.state = 'open';
      ws.send(JSON.stringify({ type: 'hello', codecs: CANDIDATE_CODECS, mode: 'mse' }));
      this.join(ws);
      if (this.opts.role === 'slow') this.after(gen, 2_000, 6_000, () => this.stall(gen, ws));
      if (this.opts.role === 'churn') this.after(gen, 2_000, 6_000, () => this.churn(gen, ws));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('error', (err: NodeJS.ErrnoException) => this.opts.metrics.errors.inc(err.code ?? err.message.slice(0, 60)));
    ws.on('close', (code: number) => {
      const ours = closedByUs.has(ws);
      // A close after stop() is our own terminate(), not the server's.
      if (opened && !ours && this.state !== 'stopped') {
        if (this.state === 'draining') this.opts.metrics.shutdownCloses.inc(code);
        else {
          this.opts.metrics.closes.inc(code);
          this.opts.metrics.closesByRole.inc(`${this.opts.role}:${code}`);
        }
      }
      if (gen !== this.generation || this.state === 'draining' || this.state === 'stopped') return;
      // → waiting: this connection's stall / churn timers end with it.
      this.clearTimers();
      this.state = 'waiting';
      this.stalled = false;
      // Our own reconnects come back at once; after a server close, back off as the player does.
      const [min, max] = ours ? [100, 500] : [500, 2_000];
      this.after(gen, min, max, () => {
        this.opts.metrics.actions.inc(ours ? 'reconnect' : 'reconnect-after-close');
        this.connect();
      });
    });
  }

  private join(ws: WebSocket): void {
    ws.send(JSON.stringify({ type: 'join', channel: this.opts.channel }));
    this.joinSentAt = this.joinedAt = Date.now();
    this.mseSinceJoin = false;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const m = this.opts.metrics;
    const now = Date.now();
    if (!isBinary) {
      let msg: { type?: unknown; code?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        m.serverErrors.inc('(invalid JSON from server)');
        return;
      }
      if (msg.type === 'mse') {
        this.expectInit = true;
        this.mseSinceJoin = true;
      } else if (msg.type === 'error') m.serverErrors.inc(String(msg.code));
      return;
    }
    if (this.expectInit) {
      this.expectInit = false;
      m.inits++;
      return;
    }
    m.fragments++;
    m.bytes += data.length;
    const prft = readPrft(data);
    if (prft && prft.wallClockMs < this.joinedAt) {
      m.replayed++;
    } else if (prft) {
      const delay = now - prft.wallClockMs;
      m.delay[this.opts.role].add(delay);
      if (this.opts.role === 'healthy') m.intervalDelay.add(delay);
    } else m.actions.inc('fragment-without-prft');
    // Fragments still in flight from before a re-join belong to the old timeline: wait for its `mse`.
    if (this.joinSentAt !== null && this.mseSinceJoin) {
      m.joinToFirst.add(now - this.joinSentAt);
      this.joinSentAt = null;
    }
  }

  /** Slow role: stop reading; later resume and repeat (half the time) or never read again. */
  private stall(gen: number, ws: WebSocket): void {
    ws.pause();
    this.stalled = true;
    this.opts.metrics.actions.inc('stall');
    this.after(gen, 5_000, 20_000, () => {
      if (this.random() < 0.5) {
        this.opts.metrics.actions.inc('stay-stalled');
        return;
      }
      ws.resume();
      this.stalled = false;
      this.opts.metrics.actions.inc('resume');
      this.after(gen, 2_000, 6_000, () => this.stall(gen, ws));
    });
  }

  /** Churn role: half the time leave + join on the same socket, else close and reconnect. */
  private churn(gen: number, ws: WebSocket): void {
    if (this.random() < 0.5) {
      ws.send(JSON.stringify({ type: 'leave' }));
      this.join(ws);
      this.opts.metrics.actions.inc('rejoin');
      this.after(gen, 2_000, 6_000, () => this.churn(gen, ws));
      return;
    }
    closedByUs.add(ws);
    ws.close(1000, 'soak churn');
  }

  /** Runs `fn` after a uniform random delay in [minMs, maxMs), unless the connection changed. */
  private after(gen: number, minMs: number, maxMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (gen === this.generation && this.state !== 'draining' && this.state !== 'stopped') fn();
    }, minMs + this.random() * (maxMs - minMs));
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** Sockets this process closed on purpose (churn): their close is not counted as the server's. */
const closedByUs = new WeakSet<WebSocket>();
