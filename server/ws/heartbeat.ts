/**
 * WebSocket heartbeat: a ping every `intervalMs`; a client that has not answered the previous ping
 * by the next tick is terminated, which fires its `close` and frees everything its session held.
 * Dead peers (a laptop lid closed, a NAT that forgot the mapping) otherwise keep a session, a
 * channel viewer and socket buffers forever, since TCP alone may never notice.
 */
import type { WebSocket } from 'ws';

export class Heartbeat {
  private readonly waiting = new WeakMap<WebSocket, boolean>();
  private readonly sockets = new Set<WebSocket>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs: number, private readonly onTimeout: (ws: WebSocket) => void = () => {}) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  watch(ws: WebSocket): void {
    this.sockets.add(ws);
    this.waiting.set(ws, false);
    ws.on('pong', () => this.waiting.set(ws, false));
    ws.once('close', () => this.sockets.delete(ws));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    for (const ws of this.sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (this.waiting.get(ws)) {
        this.sockets.delete(ws);
        this.onTimeout(ws);
        ws.terminate();
        continue;
      }
      this.waiting.set(ws, true);
      ws.ping();
    }
  }
}
