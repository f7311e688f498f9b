/**
 * One load-generator process of `npm run bench -- fanout` (forked by bench/fanout.ts, talks over IPC
 * with the advanced serialization). Opens `count` WebSocket viewers, reads every frame, and from the
 * parent's `mark` on records when each media unit arrived at each viewer, keyed by the unit's own
 * timestamp so the parent can line up the same unit across the viewers of every worker:
 *   pushcast  protocol of server/core/protocol.ts, as web/src/player/player-socket.ts speaks it:
 *             on `welcome` send `hello` (codecs, mode) then `join`; after each `mse` message the first
 *             binary frame is the init segment, every later one a fragment (prft, moof, mdat); key:
 *             the prft media time (else the moof sequence number)
 *   nms       one WS-FLV message = one FLV tag (Node-Media-Server 2.7 sends each tag as its own
 *             message; several per message are parsed too); key: the timestamp of a video tag (type
 *             9) that is not the AVC sequence header; audio and script tags only count bytes
 * Arrival times are wall-clock ms (performance.timeOrigin + now()), comparable across processes.
 * Only viewers open for the whole window are reported (`healthy`), so a viewer that dropped or
 * joined late cannot pass for undelivered units.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { parseMoof } from '../../server/core/moof.js';
import { readPrft } from '../../server/core/prft.js';
import { CANDIDATE_CODECS } from '../../server/core/protocol.js';

export type PeerKind = 'pushcast' | 'nms';

export type ToWorker =
  | { type: 'start'; kind: PeerKind; url: string; origin: string | null; channel: string; count: number; batch: number; stepMs: number }
  /** Start recording arrivals (the window begins a little later, so each unit's first arrival is seen). */
  | { type: 'mark' }
  /** The window was [from, to]: send what the healthy viewers got. */
  | { type: 'collect'; from: number; to: number }
  | { type: 'stop' };

export interface WorkerStatus {
  type: 'status';
  open: number;
  /** Viewers that have received at least one media unit. */
  receiving: number;
  closed: number;
  errors: Record<string, number>;
}

export interface WorkerData {
  type: 'data';
  /** [key, arrival ms at each healthy viewer that got it] for every unit recorded since `mark`. */
  units: Array<[number, number[]]>;
  /** Viewers open (and receiving) from before `mark` until `to`. */
  healthy: number;
  /** Bytes the healthy viewers received since `mark`, summed. */
  bytes: number;
  /** Viewers open now, and closes seen since the start. */
  open: number;
  closed: number;
  /** Connect → first media unit, ms, of each viewer that got media. */
  joinMs: number[];
  /** This process's event-loop delay since `mark`, ms. */
  lagP99Ms: number;
  lagMaxMs: number;
  errors: Record<string, number>;
}

const now = (): number => performance.timeOrigin + performance.now();

class Viewer {
  ws: WebSocket | null = null;
  open = false;
  gotMedia = false;
  bytes = 0;
  startedAt = Infinity;
  openedAt = Infinity;
  /** When the first media unit came: startedAt → firstMediaAt is the viewer's join time. */
  firstMediaAt = Infinity;
  closedAt = Infinity;
  private expectInit = false;

  constructor(readonly index: number, private readonly sink: Sink) {}

  start(kind: PeerKind, url: string, origin: string | null, channel: string): void {
    // The Origin a page of the server itself would send (same-origin passes server/http/origin.ts).
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 20_000, ...(origin ? { origin } : {}) });
    ws.binaryType = 'nodebuffer';
    this.ws = ws;
    this.startedAt = now();
    ws.on('open', () => {
      this.open = true;
      this.openedAt = now();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const at = now();
      this.bytes += data.length;
      if (kind === 'pushcast') this.pushcastMessage(data, isBinary, at, channel);
      else this.flvMessage(data, at);
    });
    ws.on('error', (err: NodeJS.ErrnoException) => this.sink.error(err.code ?? err.message.slice(0, 60)));
    ws.on('close', (code: number) => {
      if (this.open) {
        this.closedAt = now();
        this.sink.closed(code);
      }
      this.open = false;
    });
  }

  private pushcastMessage(data: Buffer, isBinary: boolean, at: number, channel: string): void {
    if (!isBinary) {
      let msg: { type?: string; code?: string };
      try { msg = JSON.parse(String(data)) as typeof msg; } catch { return this.sink.error('bad JSON from server'); }
      if (msg.type === 'welcome') {
        this.ws?.send(JSON.stringify({ type: 'hello', codecs: CANDIDATE_CODECS, mode: 'mse' }));
        this.ws?.send(JSON.stringify({ type: 'join', channel }));
      } else if (msg.type === 'mse') this.expectInit = true;
      else if (msg.type === 'error') this.sink.error(`server error ${msg.code ?? '?'}`);
      return;
    }
    if (this.expectInit) {
      this.expectInit = false;
      return;
    }
    const key = readPrft(data)?.mediaTime ?? parseMoof(data)?.sequenceNumber ?? null;
    if (key === null) return this.sink.error('fragment without prft/moof');
    this.media(key, at);
  }

  private media(key: number, at: number): void {
    if (!this.gotMedia) { this.gotMedia = true; this.firstMediaAt = at; }
    this.sink.unit(this.index, key, at);
  }

  private flvMessage(data: Buffer, at: number): void {
    // The FLV header ('FLV' + version + flags + offset + PreviousTagSize0) comes first, alone.
    if (data.length >= 3 && data[0] === 0x46 && data[1] === 0x4c && data[2] === 0x56) return;
    for (let p = 0; p + 11 <= data.length;) {
      const type = data[p]! & 0x1f;
      const size = data.readUIntBE(p + 1, 3);
      const ts = data.readUIntBE(p + 4, 3) | (data[p + 7]! << 24);
      // payload[1] is the AVCPacketType: 0 = sequence header (timestamp 0, resent to each joiner).
      if (type === 9 && !(size >= 2 && data[p + 12] === 0)) this.media(ts >>> 0, at);
      p += 11 + size + 4;
    }
  }
}

interface Sink {
  unit(viewer: number, key: number, at: number): void;
  error(what: string): void;
  closed(code: number): void;
}

const viewers: Viewer[] = [];
/** key → arrival times and the viewer each came to, in arrival order (only after `mark`). */
const units = new Map<number, { times: number[]; who: number[] }>();
const errors: Record<string, number> = {};
let closed = 0;
let recording = false;
let markAt = Infinity;
const lag = monitorEventLoopDelay({ resolution: 5 });
const timers: NodeJS.Timeout[] = [];
const countError = (what: string): void => { errors[what] = (errors[what] ?? 0) + 1; };

const sink: Sink = {
  unit(viewer, key, at) {
    if (!recording) return;
    let u = units.get(key);
    if (!u) units.set(key, (u = { times: [], who: [] }));
    u.times.push(at);
    u.who.push(viewer);
  },
  error: countError,
  closed(code) {
    closed++;
    countError(`close ${code}`);
  },
};

function status(): WorkerStatus {
  let open = 0;
  let receiving = 0;
  for (const v of viewers) { if (v.open) open++; if (v.gotMedia) receiving++; }
  return { type: 'status', open, receiving, closed, errors };
}

function data(to: number): WorkerData {
  const healthy = viewers.map((v) => v.gotMedia && v.openedAt <= markAt && v.closedAt >= to);
  const out: Array<[number, number[]]> = [];
  const seen = new Int32Array(viewers.length).fill(-1);
  let n = 0;
  for (const [key, { times, who }] of units) {
    const list: number[] = [];
    for (let i = 0; i < times.length; i++) {
      const v = who[i]!;
      // A unit counts once per viewer (a repeat would flatter the delivered fraction).
      if (healthy[v] && seen[v] !== n) { seen[v] = n; list.push(times[i]!); }
    }
    n++;
    if (list.length) out.push([key, list]);
  }
  const bytes = viewers.reduce((sum, v, i) => sum + (healthy[i] ? v.bytes : 0), 0);
  return {
    type: 'data', units: out, healthy: healthy.filter(Boolean).length, bytes, open: status().open, closed,
    joinMs: viewers.filter((v) => v.gotMedia).map((v) => v.firstMediaAt - v.startedAt),
    lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6, errors,
  };
}

function send(msg: WorkerStatus | WorkerData): void {
  process.send?.(msg);
}

process.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'start': {
      const { kind, url, origin, channel, count, batch, stepMs } = msg;
      for (let i = 0; i < count; i++) viewers.push(new Viewer(i, sink));
      let next = 0;
      // Viewers join in batches so the server's join path (init + GOP cache to each) is not one burst.
      const step = (): void => {
        for (const end = Math.min(count, next + batch); next < end; next++) viewers[next]!.start(kind, url, origin, channel);
        if (next < count) timers.push(setTimeout(step, stepMs));
      };
      step();
      timers.push(setInterval(() => send(status()), 250));
      return;
    }
    case 'mark':
      recording = true;
      markAt = now();
      units.clear();
      for (const v of viewers) v.bytes = 0;
      lag.reset();
      return;
    case 'collect':
      recording = false;
      send(data(msg.to));
      return;
    case 'stop':
      for (const t of timers) clearTimeout(t);
      for (const v of viewers) v.ws?.terminate();
      lag.disable();
      setTimeout(() => process.exit(0), 100);
      return;
  }
});
lag.enable();
process.on('disconnect', () => process.exit(0));
