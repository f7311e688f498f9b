/**
 * WebSocket fuzz (issue 9): ≥ 10,000 random and malformed client messages, binary frames,
 * oversized frames, raw protocol violations and random upgrade requests against the real server.
 * It must stay up, answer every text message with an `error` carrying a stable code (or a normal
 * reply when the message happens to be valid), answer binary frames with BAD_MESSAGE or close 1008,
 * close oversized frames with 1009, and no channel may change state: the fuzzer never has the
 * control token and no channel has openControl.
 *
 * The server runs with messagesPerSecond / messageBurst raised, so the rate limit does not mask
 * validation. Attribution of replies: after every fuzz message the client sends a barrier (an
 * unknown type with a unique id, always answered UNKNOWN_TYPE with that id); the server handles a
 * connection's frames in order, so what arrives between two barrier answers is the reply to the
 * message between them. Seeded: FUZZ_SEED=<n> replays a run (the seed is in every failure message).
 */
import net from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { rawExchange, spawnServer, upgradeRequest, type SpawnedServer } from '../../helpers/spawn-server.js';
import { seededRandom } from '../../helpers/random.js';

const ffmpeg = await findTestFfmpeg();

const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CONNECTIONS = 10;
const MESSAGES_PER_CONNECTION = 1_050;
/** Fuzz messages sent before waiting for their barriers (pipelining, bounded). */
const CHUNK = 50;
/** The protocol's own text limit (server/protocol.ts MAX_CLIENT_MESSAGE_BYTES) and ws's frame limit. */
const TEXT_LIMIT = 8 * 1024;
const FRAME_LIMIT = 64 * 1024;

/** Codes a client may see; anything else (INTERNAL, undefined, a new ad-hoc string) is a bug. */
const STABLE_CODES = new Set([
  'BAD_MESSAGE', 'UNKNOWN_TYPE', 'NOT_JOINED', 'FORBIDDEN', 'UNKNOWN_CHANNEL', 'BAD_SEEK', 'NOT_SEEKABLE',
  'RATE_LIMITED', 'CHANNEL_FULL', 'UNSUPPORTED_CODEC', 'FFMPEG_EXIT', 'SOURCE_UNAVAILABLE', 'BAD_STREAM', 'BUSY',
]);
const KNOWN_TYPES = new Set(['hello', 'join', 'leave', 'ping', 'play', 'pause', 'seek', 'report', 'subscribe']);
/** Valid messages of these types may have no direct answer (report never has one; join/leave without id). */
const MAY_BE_SILENT = new Set(['report', 'join', 'leave']);
const CONTROL_TYPES = new Set(['play', 'pause', 'seek', 'subscribe']);

// ---- a seeded generator ------------------------------------------------------------------------

/** Reproducible randomness: test/helpers/random.ts. */
const rng = seededRandom;

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number { return Math.floor(this.r() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)] as T; }
  chance(p: number): boolean { return this.r() < p; }

  char(): string {
    switch (this.int(6)) {
      case 0: return String.fromCharCode(this.int(32)); // control characters, NUL
      case 1: return this.pick(['"', '\\', '{', '}', '[', ']', ':', ',', '\u2028', '\u2029']);
      case 2: return String.fromCodePoint(0x80 + this.int(0x780)); // 2-byte UTF-8
      case 3: return String.fromCodePoint(this.pick([0x202e, 0x200b, 0xfeff, 0xfffd, 0x1f600, 0x10ffff, 0xe000]));
      case 4: return String.fromCharCode(0xd800 + this.int(0x800)); // a lone surrogate (sent as U+FFFD)
      default: return String.fromCharCode(0x20 + this.int(95));
    }
  }
  str(max = 40): string {
    let s = '';
    const n = this.int(max);
    for (let i = 0; i < n; i++) s += this.char();
    return s;
  }
  number(): number {
    return this.pick([0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e21, 3600, 86400 * 365, this.r() * 1e6 - 5e5]);
  }
  /** Any JSON value, nested up to `depth`. */
  value(depth = 3): unknown {
    switch (this.int(depth > 0 ? 8 : 5)) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return this.number();
      case 3: return this.str();
      case 4: return this.pick(['', 'test', 'clip', 'hello', 'avc1.64001F', '__proto__', 'constructor', 'x'.repeat(200)]);
      case 5: return Array.from({ length: this.int(5) }, () => this.value(depth - 1));
      case 6: return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(['type', 'id', 'channel', 'codecs', this.str(8)]), this.value(depth - 1)]));
      default: return `${'['.repeat(this.int(50))}${']'.repeat(this.int(50))}`;
    }
  }
  id(): unknown {
    return this.pick([1, 2, 'a', 'cmd-7', 0, -1, 1.5, 1e300, '', 'x'.repeat(64), 'x'.repeat(65), null, true, [], {}, 2 ** 53 + 2]);
  }
  channel(): string {
    return this.pick(['test', 'clip', 'TEST', 'nope', '', '.', '..', '../test', 'test/', 'tést', 'test\u0000', 'a'.repeat(128), 'a'.repeat(129), '-x', this.str(10)]);
  }
  /** A message that the protocol accepts (the fuzzer never knows the control token). */
  valid(): Record<string, unknown> {
    const withId = (m: Record<string, unknown>): Record<string, unknown> => (this.chance(0.6) ? { ...m, id: this.pick([1, 42, 'q', `c${this.int(1e6)}`]) } : m);
    switch (this.int(9)) {
      case 0: return withId({ type: 'hello', codecs: this.pick([[], ['avc1.64001F', 'mp4a.40.2'], ['opus'], [this.str(20)]]), ...(this.chance(0.3) ? { token: this.str(30) } : {}), ...(this.chance(0.3) ? { mode: this.pick(['mse', 'mms', 'progressive']) } : {}) });
      case 1: return withId({ type: 'join', channel: this.pick(['test', 'clip', 'nope', 'Zz9']) });
      case 2: return withId({ type: 'leave' });
      case 3: return { type: 'ping', t0: this.number() };
      case 4: return withId({ type: this.pick(['play', 'pause']), ...(this.chance(0.5) ? { channel: this.pick(['test', 'clip', 'nope']) } : {}) });
      case 5: return withId({ type: 'seek', position: this.number(), ...(this.chance(0.5) ? { channel: this.pick(['test', 'clip', 'nope']) } : {}) });
      case 6: return { type: 'report', mode: this.pick(['mse', 'mms', 'progressive']), delaySec: this.pick([null, 0.4, -3, 1e9]), driftMs: this.pick([null, 12, -5000]), bufferSec: this.pick([0, 2.5, 1e6]), droppedFrames: this.pick([0, 3, 2 ** 53 - 1]) };
      case 7: return withId({ type: 'subscribe' });
      default: return withId({ type: 'join', channel: 'test' });
    }
  }
  /** A valid message with one thing wrong (or, by chance, nothing). */
  mutated(): Record<string, unknown> {
    const m = { ...this.valid() };
    const keys = Object.keys(m);
    switch (this.int(7)) {
      case 0: m[this.pick(keys)] = this.value(); break;
      case 1: delete m[this.pick(keys)]; break;
      case 2: m[this.pick(['extra', '__proto__', 'constructor', 'prototype', 'toString', this.str(6)])] = this.value(1); break;
      case 3: m['type'] = this.pick(['Hello', 'JOIN', 'join ', ' ping', 'hello\u0000', 'seek\u200b', '__proto__', 'constructor', 'toString', 'hasOwnProperty', this.str(12)]); break;
      case 4: m['id'] = this.id(); break;
      case 5: if ('channel' in m || this.chance(0.5)) m['channel'] = this.channel(); break;
      default: m['position'] = this.pick([-1, 1e308, 'NaN', null, '12', [], 1e400]);
    }
    return m;
  }
  /** One fuzz text message. */
  message(): string {
    switch (this.int(12)) {
      case 0: return this.str(200); // not JSON at all
      case 1: return JSON.stringify(this.value(4)); // JSON, but usually not a message
      case 2: { const s = JSON.stringify(this.valid()); return s.slice(0, this.int(s.length)); } // truncated
      case 3: return JSON.stringify(this.valid());
      case 4: case 5: case 6: return JSON.stringify(this.mutated());
      case 7: { // deep nesting inside the 8 KiB limit
        const depth = 1 + this.int(TEXT_LIMIT / 2);
        return this.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `{"type":"hello","codecs":${'['.repeat(depth)}`;
      }
      case 8: { // around the size limit, with multi-byte characters so UTF-16 length ≠ bytes
        const filler = this.pick(['x', 'é', '€', '😀']);
        const target = TEXT_LIMIT - 40 + this.int(80);
        const head = '{"type":"hello","codecs":[],"token":"';
        const count = Math.max(0, Math.ceil((target - Buffer.byteLength(head) - 2) / Buffer.byteLength(filler)));
        return `${head}${filler.repeat(count)}"}`;
      }
      case 9: return this.pick(['', ' ', 'null', 'true', '0', '""', '[]', '{}', '{"type":null}', '{"type":1}', '{"type":["hello"]}', '{"type":{}}', '{"type":"hello","type":"join"}', '{"type":"ping","t0":1,"t0":"x"}', '{"type":"ping","t0":1e400}', '\uFEFF{"type":"leave"}', '{"type":"leave"}garbage', '{"type":"leave"}{"type":"leave"}']);
      case 10: return `{"type":"${this.str(10).replace(/["\\]/g, '')}","id":${JSON.stringify(this.id())}}`;
      default: return JSON.stringify({ type: this.pick([...KNOWN_TYPES]), ...Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(['channel', 'codecs', 't0', 'position', 'token', 'mode', 'id', this.str(5)]), this.value(2)])) });
    }
  }
}

/** What a message is, judged only from the wire format's definition (not from the server's code). */
function classify(raw: string): { kind: 'bad' } | { kind: 'unknown' } | { kind: 'known'; type: string } {
  if (Buffer.byteLength(raw) > TEXT_LIMIT) return { kind: 'bad' };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { kind: 'bad' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'bad' };
  const type = (v as Record<string, unknown>)['type'];
  if (typeof type !== 'string') return { kind: 'bad' };
  return KNOWN_TYPES.has(type) ? { kind: 'known', type } : { kind: 'unknown' };
}

/**
 * ASCII only, runs of one character shortened: failure messages stay short and readable (and the
 * reporter does not choke on thousands of brackets or odd code points).
 */
function printable(s: string): string {
  return s
    .replace(/(.)\1{9,}/gsu, (run, c: string) => `${c}*${[...run].length}`)
    .replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)
    .slice(0, 600);
}

// ---- a fuzzing connection ----------------------------------------------------------------------

interface Msg { type: string; code?: string; id?: unknown; role?: string }
/** What ws turns a string into on the wire (lone surrogates become U+FFFD): what the server sees. */
const onWire = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

class FuzzConnection {
  readonly ws: WebSocket;
  readonly frames: Array<{ binary: true } | { binary: false; msg: Msg }> = [];
  closeCode: number | null = null;
  private wake: (() => void) | null = null;

  constructor(url: string, readonly name: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? { binary: true } : { binary: false, msg: JSON.parse(String(data)) as Msg });
      this.wake?.();
    });
    this.ws.on('error', () => {});
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.wake?.();
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('close', (code) => reject(new Error(`${this.name} closed (${code}) before it opened`)));
    });
  }

  /** Waits until a text frame matches (or the socket closes / the time is up); true when it matched. */
  async until(pred: (m: Msg) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.frames.some((f) => !f.binary && pred(f.msg))) return true;
      if (this.closeCode !== null || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
  }
}

const barrierId = (conn: string, k: number): string => `barrier:${conn}:${k}`;
const isBarrierAnswer = (m: Msg): boolean => m.type === 'error' && typeof m.id === 'string' && m.id.startsWith('barrier:');

/**
 * Sends `messages` with a barrier after each and checks every message's replies. Returns the
 * problems found (empty when all is well) and counts for the report.
 */
interface FuzzResult {
  /** Broken validation, unstable codes, privilege gained, lost barriers. */
  problems: string[];
  /** Messages of a known type that got no answer at all (e.g. refused silently by a rate limit). */
  unanswered: string[];
  rateLimited: number;
  valid: number;
}

async function fuzzOne(url: string, name: string, messages: string[]): Promise<FuzzResult> {
  const conn = new FuzzConnection(url, name);
  await conn.opened();
  const problems: string[] = [];
  const unanswered: string[] = [];
  for (let from = 0; from < messages.length && conn.closeCode === null; from += CHUNK) {
    const last = Math.min(messages.length, from + CHUNK) - 1;
    for (let k = from; k <= last; k++) {
      conn.ws.send(messages[k] as string);
      conn.ws.send(JSON.stringify({ type: 'fuzz-barrier', id: barrierId(name, k) }));
    }
    if (!(await conn.until((m) => m.id === barrierId(name, last), 15_000))) {
      problems.push(`${name}: no answer to the barrier after message ${last} (closed: ${conn.closeCode}); message was ${JSON.stringify((messages[last] ?? '').slice(0, 200))}`);
      break;
    }
  }
  conn.ws.terminate();

  // Split the answers at the barriers: window k holds the replies to message k.
  const windows: Msg[][] = messages.map(() => []);
  let k = 0;
  for (const f of conn.frames) {
    if (f.binary) continue; // media of a channel the fuzzer joined
    if (isBarrierAnswer(f.msg)) {
      if (f.msg.id !== barrierId(name, k)) problems.push(`${name}: barrier ${String(f.msg.id)} answered out of order (expected ${k})`);
      k++;
      continue;
    }
    if (k < windows.length) windows[k]?.push(f.msg);
  }
  let rateLimited = 0;
  let valid = 0;
  for (let i = 0; i < Math.min(k, messages.length); i++) {
    const raw = onWire(messages[i] as string);
    const replies = windows[i] as Msg[];
    const errors = replies.filter((m) => m.type === 'error');
    const direct = replies.filter((m) => ['error', 'ack', 'session', 'pong', 'overview'].includes(m.type));
    const what = `${name} message ${i} ${JSON.stringify(raw.slice(0, 160))} → ${JSON.stringify(replies).slice(0, 300)}`;
    for (const e of errors) if (!STABLE_CODES.has(String(e.code))) problems.push(`unstable error code ${String(e.code)}: ${what}`);
    if (replies.some((m) => m.type === 'session' && m.role !== 'viewer')) problems.push(`became a controller without the token: ${what}`);
    if (replies.some((m) => m.type === 'overview')) problems.push(`got the dashboard feed without the token: ${what}`);
    rateLimited += errors.filter((e) => e.code === 'RATE_LIMITED').length;
    const c = classify(raw);
    if (c.kind === 'bad') {
      // Validation must answer, and must not be masked: the overall limit is raised for this run.
      if (!errors.some((e) => e.code === 'BAD_MESSAGE')) problems.push(`no BAD_MESSAGE for an invalid message: ${what}`);
      if (direct.some((m) => m.type !== 'error')) problems.push(`an invalid message got a normal reply: ${what}`);
    } else if (c.kind === 'unknown') {
      if (!errors.some((e) => e.code === 'UNKNOWN_TYPE' || e.code === 'BAD_MESSAGE')) problems.push(`no UNKNOWN_TYPE / BAD_MESSAGE for an unknown type: ${what}`);
    } else {
      if (!errors.some((e) => e.code === 'BAD_MESSAGE')) valid++;
      if (direct.length === 0 && !MAY_BE_SILENT.has(c.type)) unanswered.push(`no answer to a ${c.type}: ${what}`);
      if (CONTROL_TYPES.has(c.type) && replies.some((m) => m.type === 'ack')) problems.push(`a ${c.type} without the token was accepted: ${what}`);
    }
  }
  return { problems, unanswered, rateLimited, valid };
}

// ---- raw WebSocket frames ----------------------------------------------------------------------

/** A client frame (RFC 6455 §5.2), masked unless `mask` is false. */
function frame(opcode: number, payload: Buffer, { fin = true, mask = true, rsv = 0 } = {}): Buffer {
  const len = payload.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode)];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else head.push(maskBit | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ (key[i % 4] as number)));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** Opens a raw upgraded socket, writes `bytes`, and returns the close code the server sent (or null). */
function rawFrames(port: number, bytes: Buffer): Promise<{ closeCode: number | null; ended: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let done = false;
    const finish = (ended: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      // Find a close frame (0x88) among the server's frames after the handshake.
      let closeCode: number | null = null;
      for (let i = 0; i + 3 < buf.length; i++) {
        if (buf[i] === 0x88 && (buf[i + 1] as number) >= 2 && (buf[i + 1] as number) < 126) {
          closeCode = buf.readUInt16BE(i + 2);
          break;
        }
      }
      resolve({ closeCode, ended });
    };
    const timer = setTimeout(() => finish(false), 5_000);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => socket.write(upgradeRequest('/ws', `127.0.0.1:${port}`)));
    socket.on('data', (d: Buffer) => {
      if (!upgraded) {
        const all = Buffer.concat([buf, d]);
        const end = all.indexOf('\r\n\r\n');
        if (end === -1) { buf = all; return; }
        upgraded = true;
        buf = all.subarray(end + 4);
        socket.write(bytes);
        return;
      }
      buf = Buffer.concat([buf, d]);
    });
  });
}

// ---- the tests -----------------------------------------------------------------------------------

interface ChannelSnapshot { id: string; status: string; epoch: number; version: number; playing: boolean; mediaTime: number; positionAt: number; serverTime: number }

describe.skipIf(!ffmpeg)(`attack: WebSocket fuzz (FUZZ_SEED=${SEED})`, () => {
  let server: SpawnedServer;
  const bystanders: FuzzConnection[] = [];
  let before: ChannelSnapshot[] = [];

  async function channels(): Promise<ChannelSnapshot[]> {
    const res = await server.get('/api/channels');
    expect(res.status, res.text).toBe(200);
    return (JSON.parse(res.text) as { channels: ChannelSnapshot[] }).channels;
  }

  beforeAll(async () => {
    // info: accepted commands and ffmpeg restarts are logged, for the channel check's failure message.
    server = await spawnServer({ ffmpeg: ffmpeg!, logLevel: 'info', config: { messagesPerSecond: 100_000, messageBurst: 100_000 } });
    // Keep every channel running with a quiet viewer, so the fuzzer's joins start nothing and any
    // change of epoch, version or playhead can only come from a command that got through.
    for (const id of ['test', 'clip']) {
      const b = new FuzzConnection(server.wsUrl, `bystander-${id}`);
      bystanders.push(b);
      await b.opened();
      b.ws.send(JSON.stringify({ type: 'hello', codecs: ['avc1.64001F', 'mp4a.40.2'] }));
      b.ws.send(JSON.stringify({ type: 'join', channel: id }));
    }
    const deadline = Date.now() + 30_000;
    while ((await channels()).some((c) => c.status !== 'running')) {
      if (Date.now() > deadline) throw new Error(`channels not running: ${JSON.stringify(await channels())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1_000)); // past the first fragment's anchoring of the clock
    before = await channels();
  }, 60_000);

  afterAll(async () => {
    for (const b of bystanders) b.ws.terminate();
    await server?.stop();
  });

  const expectAlive = (): void => {
    expect(server.alive(), `server exited ${JSON.stringify(server.exitInfo())}:\n${server.tail()}`).toBe(true);
  };

  let results: FuzzResult[] = [];

  it(`answers ${CONNECTIONS * MESSAGES_PER_CONNECTION} random text messages over ${CONNECTIONS} connections: invalid ones with BAD_MESSAGE / UNKNOWN_TYPE, all with stable codes, none gaining control`, async () => {
    const gen = new Gen(rng(SEED));
    const batches = Array.from({ length: CONNECTIONS }, () => Array.from({ length: MESSAGES_PER_CONNECTION }, () => gen.message()));
    const started = Date.now();
    results = await Promise.all(batches.map((msgs, i) => fuzzOne(server.wsUrl, `fuzz${i}`, msgs)));
    const problems = results.flatMap((r) => r.problems);
    const rateLimited = results.reduce((n, r) => n + r.rateLimited, 0);
    const valid = results.reduce((n, r) => n + r.valid, 0);
    const unanswered = results.reduce((n, r) => n + r.unanswered.length, 0);
    process.stderr.write(`[fuzz-ws] seed ${SEED}: ${CONNECTIONS * MESSAGES_PER_CONNECTION} messages in ${Date.now() - started} ms, ${valid} valid, ${rateLimited} RATE_LIMITED, ${unanswered} unanswered\n`);
    expect(problems.length, `seed ${SEED}: ${problems.length} problems, the first ones:\n${problems.slice(0, 12).map(printable).join('\n')}`).toBe(0);
    expectAlive();
  }, 90_000);

  it('with messagesPerSecond / messageBurst raised in the config, every valid message of the run above got its answer (no silent refusals)', () => {
    expect(results.length, 'the fuzz run did not happen').toBe(CONNECTIONS);
    const unanswered = results.flatMap((r) => r.unanswered);
    expect(unanswered.length, `seed ${SEED}: ${unanswered.length} unanswered, the first ones:\n${unanswered.slice(0, 8).map(printable).join('\n')}`).toBe(0);
  });

  it('answers binary frames from the client with BAD_MESSAGE, or closes with 1008', async () => {
    const gen = new Gen(rng(SEED ^ 0x5bd1e995));
    const conn = new FuzzConnection(server.wsUrl, 'binary');
    await conn.opened();
    let answered = 0;
    for (let i = 0; i < 300 && conn.closeCode === null; i++) {
      conn.ws.send(Buffer.from(Array.from({ length: gen.int(2_000) }, () => gen.int(256))), { binary: true });
      conn.ws.send(JSON.stringify({ type: 'fuzz-barrier', id: barrierId('binary', i) }));
      if (await conn.until((m) => m.id === barrierId('binary', i), 5_000)) answered++;
    }
    const texts = conn.frames.flatMap((f) => (f.binary ? [] : [f.msg])).filter((m) => !isBarrierAnswer(m) && m.type !== 'welcome');
    conn.ws.terminate();
    if (conn.closeCode !== null) expect(conn.closeCode, 'close code after binary frames').toBe(1008);
    const badMessages = texts.filter((m) => m.type === 'error' && m.code === 'BAD_MESSAGE').length;
    // Every binary frame before a close got its BAD_MESSAGE (a 1008 may cut the last few short).
    expect(badMessages).toBeGreaterThanOrEqual(answered - 1);
    expect(texts.filter((m) => !(m.type === 'error' && m.code === 'BAD_MESSAGE'))).toEqual([]);
    expectAlive();
  }, 60_000);

  it.each([
    ['a 70 KiB text frame', () => 'x'.repeat(70 * 1024), false],
    ['a 70 KiB binary frame', () => Buffer.alloc(70 * 1024, 7), true],
    ['10^5 nested arrays (100 KB)', () => '['.repeat(100_000), false],
    ['10^5 nested arrays, balanced (200 KB)', () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`, false],
  ])('closes the connection with 1009 for %s (over the 64 KiB frame limit)', async (_name, make, binary) => {
    const conn = new FuzzConnection(server.wsUrl, 'oversize');
    await conn.opened();
    const payload = make();
    expect(Buffer.byteLength(payload)).toBeGreaterThan(FRAME_LIMIT);
    conn.ws.send(payload, { binary });
    await conn.until(() => false, 5_000);
    expect(conn.closeCode).toBe(1009);
    expectAlive();
  });

  it.each([
    ['6·10^4 nested arrays (60 KB, over the 8 KiB text limit)', '['.repeat(60_000)],
    ['a 60 KB string', JSON.stringify({ type: 'hello', codecs: [], token: 'y'.repeat(60_000) })],
    ['8 KiB + 1 byte of multi-byte text', JSON.stringify({ type: 'hello', codecs: ['é'.repeat(4090)] })],
  ])('answers %s with BAD_MESSAGE and keeps the connection', async (_name, payload) => {
    expect(Buffer.byteLength(payload)).toBeGreaterThan(TEXT_LIMIT);
    const conn = new FuzzConnection(server.wsUrl, 'big');
    await conn.opened();
    conn.ws.send(payload);
    expect(await conn.until((m) => m.type === 'error', 5_000), 'an error reply').toBe(true);
    const error = conn.frames.flatMap((f) => (f.binary ? [] : [f.msg])).find((m) => m.type === 'error');
    expect(error?.code).toBe('BAD_MESSAGE');
    conn.ws.send(JSON.stringify({ type: 'ping', t0: 1 }));
    expect(await conn.until((m) => m.type === 'pong', 5_000), 'still answering afterwards').toBe(true);
    conn.ws.terminate();
  });

  it.each([
    ['a text frame with invalid UTF-8', () => frame(0x1, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d])), [1007]],
    ['an unmasked client frame', () => frame(0x1, Buffer.from('{"type":"leave"}'), { mask: false }), [1002]],
    ['a reserved opcode (0x3)', () => frame(0x3, Buffer.from('x')), [1002]],
    ['RSV1 set without an extension', () => frame(0x1, Buffer.from('{}'), { rsv: 4 }), [1002]],
    ['a ping with a 200-byte payload (control frames ≤ 125)', () => Buffer.concat([Buffer.from([0x89, 0x80 | 126, 0, 200, 1, 2, 3, 4]), Buffer.alloc(200)]), [1002]],
    ['a fragmented ping', () => frame(0x9, Buffer.from('x'), { fin: false }), [1002]],
    ['a continuation frame with nothing to continue', () => frame(0x0, Buffer.from('x')), [1002]],
    ['a new text frame inside a fragmented message', () => Buffer.concat([frame(0x1, Buffer.from('{"ty'), { fin: false }), frame(0x1, Buffer.from('pe"}'))]), [1002]],
    ['a 2^63-byte length', () => Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), [1009, 1002]],
    ['a close frame with an invalid code', () => frame(0x8, Buffer.from([0x03, 0xe7])), [1002]],
  ])('closes on %s at the protocol level and stays up', async (_name, bytes, codes) => {
    const r = await rawFrames(server.port, bytes());
    // ws answers with a close frame carrying the code, or drops the connection.
    if (r.closeCode !== null) expect(codes).toContain(r.closeCode);
    else expect(r.ended).toBe(true);
    expectAlive();
  });

  it('answers 400 random upgrade requests (paths, headers) with an HTTP status, never a 5xx', async () => {
    const gen = new Gen(rng(SEED ^ 0x1b873593));
    const host = `127.0.0.1:${server.port}`;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const path = gen.pick([
        '/ws', '/ws/', '/WS', '/ws?x=1', '/ws#frag', '/ws%00', '/%77s', '//ws', '/ws/../ws', '/anything', '/vod/clip.mp4', '/api/channels',
        `/${gen.str(30).replace(/[\s\r\n]/g, '')}`, `/${'a'.repeat(gen.int(9_000))}`, '*', 'http://evil.example/ws', `/ws?${'q'.repeat(2_000)}`,
      ]);
      const headers: Record<string, string> = {};
      if (gen.chance(0.3)) headers['Sec-WebSocket-Version'] = gen.pick(['8', '99', '', 'x', '13, 8']);
      if (gen.chance(0.3)) headers['Sec-WebSocket-Protocol'] = gen.pick(['', 'chat', ',,,', 'a'.repeat(500)]);
      if (gen.chance(0.3)) headers['Sec-WebSocket-Extensions'] = gen.pick(['permessage-deflate', 'permessage-deflate; client_max_window_bits=99', 'x-unknown', ';;;']);
      if (gen.chance(0.2)) headers['Origin'] = gen.pick(['http://evil.example', 'null', '', `http://${host}`, gen.str(20).replace(/[\r\n]/g, '')]);
      if (gen.chance(0.1)) headers['X-Big'] = 'b'.repeat(gen.int(20_000));
      if (gen.chance(0.1)) headers[gen.pick(['X-€', 'Bad Header', 'X:Y', '\u0000X'])] = 'v';
      let request = upgradeRequest(path.replace(/[\r\n ]/g, ''), host, headers);
      if (gen.chance(0.15)) request = request.replace(/Sec-WebSocket-Key: [^\r]*/, `Sec-WebSocket-Key: ${gen.pick(['', 'short', 'not base64 !!', 'AAAAAAAAAAAAAAAAAAAAAA=='])}`);
      if (gen.chance(0.1)) request = request.replace('Upgrade: websocket', gen.pick(['Upgrade: WebSocket', 'Upgrade: h2c', 'Upgrade: websocket, h2c', 'Upgrade:']));
      if (gen.chance(0.1)) request = request.replace('Connection: Upgrade', gen.pick(['Connection: keep-alive, Upgrade', 'Connection: close', 'Connection: upgrade, upgrade']));
      const r = await rawExchange(server.port, request, { stopAfterHead: true, timeoutMs: 2_000 });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect(r.status >= 500, `5xx for ${JSON.stringify(request.slice(0, 300))}:\n${r.data.toString('latin1').slice(0, 300)}`).toBe(false);
      if (i % 50 === 49) expectAlive();
    }
    process.stderr.write(`[fuzz-ws] upgrade statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(statuses.get(101) ?? 0, 'some requests were plain valid upgrades').toBeGreaterThan(0);
    expectAlive();
    expect((await server.get('/api/health')).status).toBe(200);
  }, 60_000);

  it('changed no channel: same epoch, version, playing and status; playheads advanced with the clock', async () => {
    expectAlive();
    // A bystander that was dropped (e.g. too slow) would let a channel idle and restart: not a fuzz effect.
    for (const b of bystanders) expect(b.closeCode, `${b.name} was closed`).toBeNull();
    const after = await channels();
    for (const b of before) {
      const a = after.find((c) => c.id === b.id);
      expect(a, `channel ${b.id} is gone`).toBeDefined();
      const pick = (c: ChannelSnapshot) => ({ status: c.status, epoch: c.epoch, version: c.version, playing: c.playing });
      expect(pick(a!), `channel ${b.id}; server log:\n${server.tail(3_000)}`).toEqual(pick(b));
      // Where each says it is now: mediaTime plus the time since positionAt while playing (s).
      const at = (c: ChannelSnapshot): number => c.mediaTime + (c.playing ? (c.serverTime - c.positionAt) / 1000 : 0);
      const elapsed = b.playing ? (a!.serverTime - b.serverTime) / 1000 : 0;
      expect(Math.abs(at(a!) - at(b) - elapsed), `playhead of ${b.id} moved other than with the clock`).toBeLessThan(1.5);
    }
  });
});
