/**
 * Fix-first 5 (issue 9): message amplification. One client sending join/leave pairs as fast as it
 * can used to make every bystander of the channel receive a state message per join and per leave
 * (about 600 in a second for 300 pairs). Now every message type is rate-limited per connection
 * (RATE_LIMITED, then close 1008 for a client that keeps going), and state broadcasts are
 * coalesced per channel (at least 100 ms apart, newest wins). Default limits: 20 messages/s after
 * a burst of 40.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { spawnServer, type SpawnedServer } from '../../helpers/spawn-server.js';

const ffmpeg = await findTestFfmpeg();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HELLO = { type: 'hello', codecs: ['avc1.64001F', 'mp4a.40.2'] };

interface Msg {
  type: string;
  code?: string;
  id?: unknown;
}

/** A raw client: parsed text frames with arrival times, and how it was closed. */
class Client {
  readonly ws: WebSocket;
  readonly texts: Array<{ at: number; msg: Msg }> = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.texts.push({ at: Date.now(), msg: JSON.parse(String(data)) as Msg });
    });
    // A client the server closes may see a reset too; that is an outcome here, not a test error.
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => {
      this.closeCode = code;
      resolve(code);
    }));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(msg: unknown): void {
    if (this.open) this.ws.send(JSON.stringify(msg));
  }

  count(pred: (m: Msg) => boolean, from = 0, to = Infinity): number {
    return this.texts.filter((t) => t.at >= from && t.at <= to && pred(t.msg)).length;
  }

  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.texts.some((t) => pred(t.msg))) {
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.texts.slice(-5))}`);
      await sleep(20);
    }
  }
}

const rateLimited = (m: Msg): boolean => m.type === 'error' && m.code === 'RATE_LIMITED';

describe.skipIf(!ffmpeg)('attack: join/leave flood and per-connection limits (default limits)', () => {
  let server: SpawnedServer;
  const clients: Client[] = [];
  const client = async (): Promise<Client> => {
    if (!server.alive()) throw new Error(`the server died (${JSON.stringify(server.exitInfo())}):\n${server.tail()}`);
    const c = new Client(server.wsUrl);
    clients.push(c);
    await c.opened;
    return c;
  };

  beforeAll(async () => {
    server = await spawnServer({ ffmpeg: ffmpeg! });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await server?.stop();
  });

  it('300 join/leave pairs from one client reach a bystander as at most 15 states in 1.5 s; the flooder is limited, then closed with 1008', async () => {
    const bystander = await client();
    bystander.send(HELLO);
    bystander.send({ type: 'join', id: 'b', channel: 'test' });
    await bystander.waitFor((m) => m.type === 'state');
    const attacker = await client();
    attacker.send(HELLO);
    attacker.send({ type: 'join', id: 'a', channel: 'test' });
    await attacker.waitFor((m) => m.type === 'ack');
    await sleep(300); // let the join's own state reach the bystander before the window opens

    const start = Date.now();
    for (let i = 0; i < 300 && attacker.open; i++) {
      attacker.send({ type: 'join', channel: 'test' });
      attacker.send({ type: 'leave' });
    }
    await sleep(1_500);
    const states = bystander.count((m) => m.type === 'state', start, start + 1_500);
    expect(states, 'state messages the bystander received in the 1.5 s after the flood began').toBeLessThanOrEqual(15);
    expect(attacker.count(rateLimited), 'RATE_LIMITED errors to the flooder').toBeGreaterThan(0);

    // Keep going: a client that ignores RATE_LIMITED is closed with 1008 (policy violation).
    const deadline = Date.now() + 10_000;
    while (attacker.open && Date.now() < deadline) {
      for (let i = 0; i < 50; i++) attacker.send({ type: 'ping', t0: i });
      await sleep(20);
    }
    const code = await Promise.race([attacker.closed, sleep(3_000).then(() => null)]);
    expect(code, 'close code of the flooder').toBe(1008);
    // The bystander is unharmed: still open and still told about the channel.
    expect(bystander.open).toBe(true);
    const before = bystander.count((m) => m.type === 'state');
    await sleep(2_500);
    expect(bystander.count((m) => m.type === 'state')).toBeGreaterThan(before);
  });

  // Every type counts: 150 of one type at once, on a fresh connection. Beyond the burst (40) and
  // the refill (20/s over the fraction of a second this takes) the server must refuse.
  it.each([
    ['hello', () => HELLO, (m: Msg) => m.type === 'session'],
    ['ping', () => ({ type: 'ping', t0: 1 }), (m: Msg) => m.type === 'pong'],
    ['join of an unknown channel', () => ({ type: 'join', channel: 'nope' }), (m: Msg) => m.type === 'error' && m.code === 'UNKNOWN_CHANNEL'],
    ['leave while not joined', () => ({ type: 'leave' }), (m: Msg) => m.type === 'error' && m.code === 'NOT_JOINED'],
    ['subscribe without the token', () => ({ type: 'subscribe' }), (m: Msg) => m.type === 'error' && m.code === 'FORBIDDEN'],
    ['report', () => ({ type: 'report', mode: 'mse', delaySec: 0.5, driftMs: null, bufferSec: 1, droppedFrames: 0 }), () => false],
    ['invalid JSON', () => '{nope', (m: Msg) => m.type === 'error' && m.code === 'BAD_MESSAGE'],
    ['unknown type', () => ({ type: 'frobnicate' }), (m: Msg) => m.type === 'error' && m.code === 'UNKNOWN_TYPE'],
  ])('%s is rate-limited per connection', async (_name, make, isAnswer) => {
    const c = await client();
    if (_name !== 'hello') {
      c.send(HELLO);
      await c.waitFor((m) => m.type === 'session');
    }
    const start = Date.now();
    for (let i = 0; i < 150; i++) {
      const m = make();
      if (c.open) c.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
    }
    const sentMs = Date.now() - start;
    await sleep(800);
    expect(c.count(rateLimited) > 0 || c.closeCode === 1008, `no RATE_LIMITED (or 1008) for 150 messages in ${sentMs} ms`).toBe(true);
    // Answered normally: at most the burst plus what refilled meanwhile (+ 2 for timer slack).
    const answered = c.count(isAnswer);
    expect(answered).toBeLessThanOrEqual(40 + Math.ceil((20 * (Date.now() - start)) / 1000) + 2);
    c.ws.terminate();
  });
});
