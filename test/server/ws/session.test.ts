/**
 * Session unit tests with a fake socket and a fake channel: the timeline a viewer receives after
 * init (from a keyframe), keyframe-aware skipping under backpressure, and codec refusal.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Channel } from '../../../server/channel/channel.js';
import type { Fragment, InitSegment } from '../../../server/ffmpeg/fragmenter.js';
import { createLogger } from '../../../server/runtime/log.js';
import type { ServerMessage } from '../../../server/core/protocol.js';
import { Session } from '../../../server/ws/session.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  texts: ServerMessage[] = [];
  binaries: Buffer[] = [];
  send(data: string | Buffer, opts?: { binary: boolean }): void {
    if (opts?.binary) this.binaries.push(data as Buffer);
    else this.texts.push(JSON.parse(data as string) as ServerMessage);
  }
  client(msg: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(msg)), false);
  }
}

const init: InitSegment = {
  data: Buffer.from('init'), mime: 'video/mp4; codecs="avc1.64001f,mp4a.40.2"', codecs: ['avc1.64001f', 'mp4a.40.2'],
  tracks: [], duration: null, videoTrackId: 1,
};
const frag = (name: string, key: boolean): Fragment => ({ data: Buffer.from(name), key, startSec: null, durationSec: null });

function setup(codecs = ['avc1.640028', 'mp4a.40.2']) {
  const socket = new FakeSocket();
  const viewers: unknown[] = [];
  const channel = { id: 'ch', addViewer: (v: unknown) => viewers.push(v), removeViewer: () => viewers.pop() } as unknown as Channel;
  const session = new Session({
    socket: socket as never, findChannel: (id) => (id === 'ch' ? channel : undefined),
    maxBufferedBytes: 1000, serverName: 'test', log: createLogger('test'),
    controlToken: 'controller-token', commandBurst: 20, commandsPerSecond: 10,
  });
  session.start();
  socket.client({ type: 'hello', codecs });
  socket.client({ type: 'join', channel: 'ch' });
  return { socket, session, viewers };
}

const sent = (s: FakeSocket) => s.binaries.map(String);

describe('Session', () => {
  it('joins the channel and greets first', () => {
    const { socket, viewers } = setup();
    expect(socket.texts[0]?.type).toBe('welcome');
    expect(viewers).toHaveLength(1);
  });

  it('sends mse + init, then fragments only from the first keyframe fragment', () => {
    const { socket, session } = setup();
    session.onInit(init, 3);
    expect(socket.texts.at(-1)).toEqual({ type: 'mse', channel: 'ch', mime: init.mime, epoch: 3 });
    for (const [n, k] of [['a0', false], ['k1', true], ['d2', false]] as const) session.onFragment(frag(n, k), 3);
    session.onFragment(frag('old-epoch', true), 2);
    expect(sent(socket)).toEqual(['init', 'k1', 'd2']);
  });

  it('skips to the next keyframe while the socket is backed up, then resumes', () => {
    const { socket, session } = setup();
    session.onInit(init, 1);
    session.onFragment(frag('k1', true), 1);
    socket.bufferedAmount = 5000;
    session.onFragment(frag('d2', false), 1);
    socket.bufferedAmount = 0;
    session.onFragment(frag('d3', false), 1); // still waiting for a keyframe: d2 is missing
    session.onFragment(frag('k4', true), 1);
    session.onFragment(frag('d5', false), 1);
    expect(sent(socket)).toEqual(['init', 'k1', 'k4', 'd5']);
  });

  it('refuses a timeline whose codecs the browser did not report', () => {
    const { socket, session } = setup(['mp4a.40.2']);
    session.onInit(init, 1);
    session.onFragment(frag('k1', true), 1);
    expect(socket.texts.at(-1)).toMatchObject({ type: 'error', code: 'UNSUPPORTED_CODEC' });
    expect(sent(socket)).toEqual([]);
  });

  it('stops forwarding after the socket closes and leaves the channel', () => {
    const { socket, session, viewers } = setup();
    session.onInit(init, 1);
    socket.emit('close');
    session.onFragment(frag('k1', true), 1);
    expect(viewers).toHaveLength(0);
    expect(sent(socket)).toEqual(['init']);
  });
});
