/**
 * The identity of one timeline on screen: the epoch the server announced in `mse`, on the socket
 * that announced it. Epochs only compare within one connection: after a reconnect the server may
 * have restarted and count epochs from the start again, so the same epoch number on a new socket
 * is another timeline (and gets a new pipeline). Pure.
 */

export interface Timeline {
  /** The channel's epoch (protocol `mse.epoch`, `state.channel.epoch`). */
  readonly epoch: number;
  /** Which socket of this load announced it (Session.connections at the time). */
  readonly connection: number;
}

/** True when `a` and `b` are the same timeline; null (no timeline) is never the same as anything. */
export function sameTimeline(a: Timeline | null, b: Timeline | null): boolean {
  return a !== null && b !== null && a.epoch === b.epoch && a.connection === b.connection;
}
