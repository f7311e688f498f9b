/**
 * Client commands that expect an answer (`play`, `pause`, `seek`, `subscribe`): each gets an id,
 * and the promise settles with the server's `ack {id}` or `error {id, code, message}`, or with a
 * client-side error when the socket is down (NOT_CONNECTED) or no answer came in time
 * (COMMAND_TIMEOUT). It never rejects: callers switch on `reply.type` and show `code`.
 * Shared by the Player (watch page) and the dashboard's ControlClient.
 */
import type { ClientMessage, CommandId } from '../../../server/core/protocol.js';
import { PlayerErrorCode, type PlayerError } from './errors.js';

export type CommandReply =
  | { type: 'ack'; id: CommandId }
  | { type: 'error'; id: CommandId; code: PlayerError['code']; message: string };

/** A command without its id: the tracker assigns one. */
export type CommandMessage = ClientMessage extends infer M ? (M extends { id?: CommandId } ? Omit<M, 'id'> : never) : never;

interface Pending {
  resolve: (reply: CommandReply) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class CommandTracker {
  private nextId = 1;
  private readonly pending = new Map<CommandId, Pending>();

  /**
   * @param prefix makes ids readable in server logs (e.g. `c7`).
   * @param timeoutMs how long to wait for `ack` / `error`.
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly prefix = 'c',
  ) {
    if (!(timeoutMs > 0)) throw new TypeError(`CommandTracker: timeoutMs must be > 0, got ${timeoutMs}`);
  }

  /** Sends `message` with a fresh id through `send` (false: not sent) and waits for its answer. */
  send(message: CommandMessage, send: (m: ClientMessage) => boolean): Promise<CommandReply> {
    const id = `${this.prefix}${this.nextId++}`;
    const withId = { ...message, id } as ClientMessage;
    return new Promise((resolve) => {
      if (!send(withId)) {
        resolve({ type: 'error', id, code: PlayerErrorCode.NOT_CONNECTED, message: `${message.type}: not connected` });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ type: 'error', id, code: PlayerErrorCode.COMMAND_TIMEOUT, message: `${message.type}: no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.pending.set(id, { resolve, timer });
    });
  }

  /** Settles the command an `ack` / `error` answers; false when the id is not one of ours. */
  settle(reply: { type: 'ack'; id: CommandId } | { type: 'error'; id?: CommandId; code: PlayerError['code']; message: string }): boolean {
    if (reply.id === undefined) return false;
    const p = this.pending.get(reply.id);
    if (!p) return false;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    p.resolve(reply.type === 'ack' ? { type: 'ack', id: reply.id } : { type: 'error', id: reply.id, code: reply.code, message: reply.message });
    return true;
  }

  /** Fails every pending command (the socket closed: their answers will never come). */
  cancelAll(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ type: 'error', id, code: PlayerErrorCode.NOT_CONNECTED, message });
    }
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
