import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, backoffDelayMs, parseServerMessage, type SocketLike } from '../../web/src/player/connection.js';

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

describe('backoffDelayMs', () => {
  it.each([
    [0, 0],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [4, 4000],
    [5, 8000],
    [6, 8000],
    [50, 8000],
  ])('failure %i → %i ms', (failures, ms) => {
    expect(backoffDelayMs(failures)).toBe(ms);
  });
});

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

  it('reconnects with capped exponential backoff and counts consecutive failures', () => {
    const events: Array<[number, number]> = [];
    conn.on('disconnect', (e) => events.push([e.consecutiveFailures, e.retryInMs]));
    conn.connect();
    for (let i = 0; i < 6; i++) {
      sockets[i]!.serverClose();
      vi.advanceTimersByTime(events[i]![1]);
      expect(sockets).toHaveLength(i + 2);
    }
    expect(events).toEqual([
      [1, 500],
      [2, 1000],
      [3, 2000],
      [4, 4000],
      [5, 8000],
      [6, 8000],
    ]);
    expect(conn.consecutiveFailures).toBe(6);
    // A socket that delivers a message resets the count; its drop retries at the minimum delay.
    const s = sockets[6]!;
    s.serverOpen();
    s.serverSend('{"type":"welcome","protocol":1,"server":"pushcast","time":1}');
    expect(conn.consecutiveFailures).toBe(0);
    s.serverClose();
    expect(events.at(-1)).toEqual([0, 500]);
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
