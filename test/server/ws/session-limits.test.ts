/**
 * Session limits with a fake socket and a fake channel: the message gate (per-type and overall
 * rate limits, closing a flood with 1008), bounded JSON under backpressure (newest state wins),
 * closing a viewer that stays overloaded (4001), and masking of credentials in what is sent.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../../server/channel/channel.js';
import type { Fragment, InitSegment } from '../../../server/ffmpeg/fragmenter.js';
import { ErrorCode, PushcastError } from '../../../server/core/errors.js';
import { createLogger } from '../../../server/runtime/log.js';
import { CloseCode, type ChannelInfo, type ServerMessage } from '../../../server/core/protocol.js';
import { Session } from '../../../server/ws/session.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  texts: ServerMessage[] = [];
  raw: string[] = [];
  binaries: Buffer[] = [];
  closed: { code: number; reason: string } | null = null;
  terminated = false;
  send(data: string | Buffer, opts?: { binary: boolean }): void {
    if (opts?.binary) this.binaries.push(data as Buffer);
    else {
      this.raw.push(data as string);
      this.texts.push(JSON.parse(data as string) as ServerMessage);
    }
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated = true;
  }
  client(msg: unknown): void {
    this.emit('message', Buffer.from(typeof msg === 'string' ? msg : JSON.stringify(msg)), false);
  }
}

const init: InitSegment = {
  data: Buffer.from('init'), mime: 'video/mp4; codecs="avc1.64001f"', codecs: ['avc1.64001f'], tracks: [], duration: null, videoTrackId: 1,
};
const frag = (name: string, key: boolean): Fragment => ({ data: Buffer.from(name), key, startSec: null, durationSec: null });
const info = (version: number) => ({ id: 'ch', version } as unknown as ChannelInfo);

function setup(extra: Partial<ConstructorParameters<typeof Session>[0]> = {}) {
  const socket = new FakeSocket();
  let drops = 0;
  const joins: unknown[] = [];
  const channel = {
    id: 'ch',
    addViewer: (v: unknown) => { joins.push(v); return { ok: true }; },
    removeViewer: () => {},
    countDrops: (n: number) => { drops += n; },
  } as unknown as Channel;
  const session = new Session({
    socket: socket as never, findChannel: (id) => (id === 'ch' ? channel : undefined),
    maxBufferedBytes: 1000, serverName: 'test', log: createLogger('test'),
    controlToken: 'controller-token', commandBurst: 20, commandsPerSecond: 10, ...extra,
  });
  session.start();
  return { socket, session, joins, drops: () => drops };
}

const errors = (s: FakeSocket) => s.texts.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');

afterEach(() => vi.useRealTimers());

describe('Session message limits', () => {
  it('join/leave pairs beyond their budget are refused and do not reach the channel', () => {
    const { socket, joins } = setup();
    socket.client({ type: 'hello', codecs: [] });
    for (let i = 0; i < 300; i++) {
      socket.client({ type: 'join', channel: 'ch' });
      socket.client({ type: 'leave' });
    }
    expect(joins.length).toBeLessThanOrEqual(10);
    expect(errors(socket).some((e) => e.code === ErrorCode.RATE_LIMITED)).toBe(true);
  });

  it('answers a bounded number of refusals, then closes a flood with 1008', () => {
    const { socket } = setup();
    for (let i = 0; i < 400; i++) socket.client({ type: 'ping', t0: i });
    const limited = errors(socket).filter((e) => e.code === ErrorCode.RATE_LIMITED);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.length).toBeLessThanOrEqual(10);
    expect(socket.closed?.code).toBe(CloseCode.POLICY_VIOLATION);
  });

  it('counts invalid frames against the overall budget', () => {
    const { socket } = setup({ messageBurst: 5, messagesPerSecond: 1 });
    for (let i = 0; i < 5; i++) socket.client('{nope');
    socket.client({ type: 'ping', t0: 1 });
    expect(errors(socket).map((e) => e.code)).toEqual([...Array(5).fill(ErrorCode.BAD_MESSAGE), ErrorCode.RATE_LIMITED]);
  });

  it('answers binary frames with BAD_MESSAGE and closes a client that keeps sending them', () => {
    const { socket } = setup();
    socket.emit('message', Buffer.from([1, 2, 3]), true);
    expect(errors(socket)[0]?.code).toBe(ErrorCode.BAD_MESSAGE);
    for (let i = 0; i < 300 && !socket.closed; i++) socket.emit('message', Buffer.from([1]), true);
    expect(socket.closed?.code).toBe(CloseCode.POLICY_VIOLATION);
  });
});

describe('Session backpressure', () => {
  it('collapses states to the newest while the socket is backed up, and sends it once drained', () => {
    vi.useFakeTimers();
    const { socket, session } = setup();
    socket.client({ type: 'hello', codecs: [] });
    socket.client({ type: 'join', channel: 'ch' });
    socket.bufferedAmount = 5000;
    for (let v = 1; v <= 50; v++) session.onState(info(v));
    expect(socket.texts.filter((m) => m.type === 'state')).toHaveLength(0);
    socket.bufferedAmount = 0;
    vi.advanceTimersByTime(300);
    const states = socket.texts.filter((m): m is Extract<ServerMessage, { type: 'state' }> => m.type === 'state');
    expect(states.map((m) => m.channel.version)).toEqual([50]);
  });

  it('drops dashboard overviews while backed up', () => {
    const { socket, session } = setup();
    socket.bufferedAmount = 5000;
    session.push({ type: 'overview', channels: [], viewers: [] });
    expect(socket.texts.some((m) => m.type === 'overview')).toBe(false);
  });

  it('closes a viewer that stays overloaded past overloadCloseMs with 4001, counting its drops', () => {
    vi.useFakeTimers({ now: 0 });
    const { socket, session, drops } = setup({ overloadCloseMs: 3000 });
    socket.client({ type: 'hello', codecs: [] });
    socket.client({ type: 'join', channel: 'ch' });
    session.onInit(init, 1);
    session.onFragment(frag('k0', true), 1);
    socket.bufferedAmount = 3000; // above the limit, below the hard cap
    for (let t = 0; t <= 3000; t += 200) {
      vi.setSystemTime(t);
      session.onFragment(frag(`f${t}`, t % 1000 === 0), 1);
    }
    expect(socket.closed).toBeNull();
    vi.setSystemTime(3400);
    session.onFragment(frag('late', true), 1);
    expect(socket.closed?.code).toBe(CloseCode.SLOW_CONSUMER);
    expect(drops()).toBeGreaterThan(10);
    expect(session.describe().drops).toBe(drops());
    vi.advanceTimersByTime(1500);
    expect(socket.terminated).toBe(true);
  });

  it('a viewer whose queue drains in time is not closed', () => {
    vi.useFakeTimers({ now: 0 });
    const { socket, session } = setup({ overloadCloseMs: 3000 });
    socket.client({ type: 'hello', codecs: [] });
    socket.client({ type: 'join', channel: 'ch' });
    session.onInit(init, 1);
    for (let t = 0; t <= 10_000; t += 200) {
      vi.setSystemTime(t);
      // backed up for 2 s of every 4 s
      socket.bufferedAmount = t % 4000 < 2000 ? 3000 : 0;
      session.onFragment(frag(`f${t}`, t % 1000 === 0), 1);
    }
    expect(socket.closed).toBeNull();
  });

  it('closes at once past the hard cap', () => {
    const { socket, session } = setup();
    socket.client({ type: 'hello', codecs: [] });
    socket.client({ type: 'join', channel: 'ch' });
    session.onInit(init, 1);
    socket.bufferedAmount = 10 * 1024 * 1024;
    session.onFragment(frag('k', true), 1);
    expect(socket.closed?.code).toBe(CloseCode.SLOW_CONSUMER);
  });
});

describe('Session masking', () => {
  it('never sends a source password that an ffmpeg error carries', () => {
    const { socket, session } = setup();
    socket.client({ type: 'hello', codecs: [] });
    socket.client({ type: 'join', channel: 'ch' });
    session.onError(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, 'cannot read source: http://admin:S3cretPW@10.0.0.1/x: Connection refused'));
    session.onState({ id: 'ch', error: { code: 'FFMPEG_EXIT', message: 'admin:S3cretPW@10.0.0.1: refused' } } as unknown as ChannelInfo);
    expect(socket.raw.join('\n')).not.toContain('S3cretPW');
    expect(errors(socket).at(-1)?.message).toContain('http://***@10.0.0.1/x');
  });

  it('answers CHANNEL_FULL when the channel refuses the viewer', () => {
    const socket = new FakeSocket();
    const channel = { id: 'ch', addViewer: () => ({ ok: false, code: ErrorCode.CHANNEL_FULL, message: 'full' }), removeViewer: () => {} } as unknown as Channel;
    const session = new Session({
      socket: socket as never, findChannel: () => channel, maxBufferedBytes: 1000, serverName: 'test', log: createLogger('test'),
      controlToken: 'controller-token', commandBurst: 20, commandsPerSecond: 10,
    });
    session.start();
    socket.client({ type: 'join', channel: 'ch', id: 4 });
    expect(errors(socket).at(-1)).toMatchObject({ code: ErrorCode.CHANNEL_FULL, id: 4 });
    expect(session.state).not.toBe('joined');
  });
});

describe('Session state pacing', () => {
  it('sends the first state of a burst at once and then the newest one per gap', () => {
    vi.useFakeTimers({ now: 0 });
    const { socket, session } = setup();
    socket.client({ type: 'hello', codecs: [] });
    socket.client({ type: 'join', channel: 'ch' });
    const versions = () => socket.texts.filter((m): m is Extract<ServerMessage, { type: 'state' }> => m.type === 'state').map((m) => m.channel.version);
    for (let v = 1; v <= 600; v++) {
      session.onState(info(v));
      vi.advanceTimersByTime(1); // 600 changes within 0.6 s
    }
    vi.advanceTimersByTime(200);
    const sent = versions();
    expect(sent[0]).toBe(1);
    expect(sent.at(-1)).toBe(600);
    expect(sent.length).toBeLessThanOrEqual(8);
  });
});
