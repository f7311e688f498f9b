import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, SILENT_CLOSE_CODE, parseServerMessage, type SocketLike } from '../../web/src/player/connection.js';

class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  // Test drivers:
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  serverSend(data: string | ArrayBuffer): void {
    this.onmessage?.({ data } as MessageEvent);
  }
  serverClose(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }
}

describe('parseServerMessage', () => {
  it.each([
    ['{"type":"pong","t0":1,"t1":2,"t2":3}', true],
    ['{"type":"welcome","protocol":1,"server":"x","time":0}', true],
    ['{"type":"nope"}', false],
    ['{"kind":"pong"}', false],
    ['[1,2]', false],
    ['null', false],
    ['not json', false],
  ])('%s → ok %s', (raw, ok) => {
    expect(parseServerMessage(raw).ok).toBe(ok);
  });
});

describe('Connection', () => {
  let sockets: FakeSocket[];
  let conn: Connection;
  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    conn = new Connection('ws://x/ws', {
      random: () => 1,
      now: () => Date.now(),
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
    });
  });
  afterEach(() => {
    conn.close();
    vi.useRealTimers();
  });

  it('dispatches text as typed messages and binary as ArrayBuffers', () => {
    const messages: string[] = [];
    const binaries: number[] = [];
    const invalid: string[] = [];
    conn.on('message', (m) => messages.push(m.type));
    conn.on('binary', (b) => binaries.push(b.byteLength));
    conn.on('invalid', (e) => invalid.push(e.reason));
    conn.connect();
    const s = sockets[0]!;
    expect(s.binaryType).toBe('arraybuffer');
    s.serverOpen();
    s.serverSend('{"type":"welcome","protocol":1,"server":"pushcast","time":1}');
    s.serverSend(new ArrayBuffer(9));
    s.serverSend('{"type":"bogus"}');
    expect(messages).toEqual(['welcome']);
    expect(binaries).toEqual([9]);
    expect(invalid).toEqual(['unknown type "bogus"']);
  });

  it('sends only while open', () => {
    conn.connect();
    expect(conn.send({ type: 'ping', t0: 1 })).toBe(false);
    sockets[0]!.serverOpen();
    expect(conn.send({ type: 'join', channel: 'test' })).toBe(true);
    expect(sockets[0]!.sent).toEqual(['{"type":"join","channel":"test"}']);
  });

  it('reconnects with capped exponential backoff, full jitter drawn from the injected random, and counts failures', () => {
    const events: Array<[number, number, number]> = [];
    conn.on('disconnect', (e) => events.push([e.consecutiveFailures, e.retry, e.retryInMs]));
    conn.connect();
    for (let i = 0; i < 8; i++) {
      sockets[i]!.serverClose();
      vi.advanceTimersByTime(events[i]![2]);
      expect(sockets).toHaveLength(i + 2);
    }
    // random() = 1: the top of each window, floor + 1 · (ceiling − floor) = the ceiling itself.
    expect(events).toEqual([
      [1, 1, 500],
      [2, 2, 1000],
      [3, 3, 2000],
      [4, 4, 4000],
      [5, 5, 8000],
      [6, 6, 16000],
      [7, 7, 30000],
      [8, 8, 30000],
    ]);
    expect(conn.consecutiveFailures).toBe(8);
    // A socket that delivers a message resets the failure count at once…
    const s = sockets[8]!;
    s.serverOpen();
    s.serverSend('{"type":"welcome","protocol":1,"server":"pushcast","time":1}');
    expect(conn.consecutiveFailures).toBe(0);
    // …and once it stayed up for resetAfterMs (5 s) its drop starts the backoff over.
    vi.advanceTimersByTime(5000);
    s.serverClose();
    expect(events.at(-1)).toEqual([0, 1, 500]);
  });

  it('keeps backing off from a server that accepts and closes at once (no half-second storm)', () => {
    const retries: Array<[number, number]> = [];
    conn.on('disconnect', (e) => retries.push([e.retry, e.retryInMs]));
    conn.connect();
    for (let i = 0; i < 4; i++) {
      const s = sockets[i]!;
      s.serverOpen();
      s.serverSend('{"type":"welcome","protocol":1,"server":"pushcast","time":1}');
      s.serverClose(1013);
      vi.advanceTimersByTime(retries[i]![1]);
    }
    expect(retries).toEqual([[1, 500], [2, 1000], [3, 2000], [4, 4000]]);
    expect(sockets).toHaveLength(5);
    expect(conn.consecutiveFailures).toBe(0); // each delivered a message: not a "failure" for the fallback
  });

  it.each([
    [1001, 'the server going away', 500],
    [4001, 'a slow consumer close', 500],
    [1006, 'a dropped connection', 500],
    [1008, 'a policy violation (client bug): slow end', 30_000],
    [1009, 'a message too big (client bug): slow end', 30_000],
  ])('after close code %i (%s) retries in %i ms at random() = 1', (code, _what, ms) => {
    const delays: number[] = [];
    conn.on('disconnect', (e) => delays.push(e.retryInMs));
    conn.connect();
    sockets[0]!.serverOpen();
    sockets[0]!.serverClose(code);
    expect(delays).toEqual([ms]);
    vi.advanceTimersByTime(ms - 1);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
  });

  it('closes a socket that stays silent for silenceTimeoutMs and reconnects; messages keep it alive', () => {
    const closes: Array<[number, string]> = [];
    conn.on('disconnect', (e) => closes.push([e.code, e.reason]));
    conn.connect();
    const s = sockets[0]!;
    s.serverOpen();
    // A pong every second for 30 s: never silent.
    for (let t = 0; t < 30; t++) {
      vi.advanceTimersByTime(1000);
      s.serverSend('{"type":"pong","t0":1,"t1":2,"t2":3}');
    }
    expect(closes).toEqual([]);
    vi.advanceTimersByTime(9999);
    expect(closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(closes).toEqual([[SILENT_CLOSE_CODE, 'no message for 10000 ms']]);
    expect(s.closedWith).toBe(SILENT_CLOSE_CODE);
    expect(conn.state).toBe('waiting');
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(2);
  });

  it('gives up on a connect that never opens after silenceTimeoutMs', () => {
    const reasons: string[] = [];
    conn.on('disconnect', (e) => reasons.push(e.reason));
    conn.connect();
    vi.advanceTimersByTime(10_000);
    expect(reasons).toEqual(['no answer to the connect for 10000 ms']);
    expect(conn.consecutiveFailures).toBe(1);
  });

  it('suspend() closes without retrying; resume() connects at once with a fresh backoff', () => {
    const disconnects: number[] = [];
    conn.on('disconnect', (e) => disconnects.push(e.retry));
    conn.connect();
    sockets[0]!.serverClose(); // retry 1 scheduled
    conn.suspend();
    expect(conn.state).toBe('suspended');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    conn.resume();
    expect(sockets).toHaveLength(2);
    const s = sockets[1]!;
    s.serverOpen();
    conn.suspend();
    expect(s.closedWith).toBe(1000);
    s.serverClose(1000); // a late close event of the suspended socket changes nothing
    expect(disconnects).toEqual([1]);
    conn.resume();
    sockets[2]!.serverClose();
    expect(disconnects).toEqual([1, 1]);
  });

  it('does not reconnect after close()', () => {
    conn.connect();
    const s = sockets[0]!;
    s.serverOpen();
    conn.close();
    expect(s.closedWith).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(conn.state).toBe('closed');
  });
});
