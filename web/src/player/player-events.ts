/**
 * The Player's event map, and the small surface its parts (mse-path.ts, follower.ts, fallback.ts)
 * use to drive it: they change its state and report errors through the facade, never directly.
 */
import type { ChannelInfo, CommentDeletedMessage, CommentInfo, PlaybackMode } from '../../../server/core/protocol.js';
import type { PlayerError } from './errors.js';
import type { PlayerState } from './stats.js';

export type Role = 'viewer' | 'controller';

export interface PlayerEvents {
  state: { from: PlayerState; to: PlayerState };
  /** Every `state` message for our channel. */
  channel: ChannelInfo;
  /** A new timeline (epoch) started. */
  epoch: { epoch: number; mime: string };
  error: PlayerError;
  'first-frame': { ms: number };
  /** Playback had to start muted (autoplay policy); offer an unmute button that calls unmute(). */
  'autoplay-muted': { reason: string };
  /**
   * The socket dropped (or went silent: code 4000); reconnect attempt `attempt` follows after
   * retryInMs. `code` is the WebSocket close code (server/protocol.ts CloseCode, 1006 for a drop).
   */
  disconnect: { consecutiveFailures: number; retryInMs: number; attempt: number; code: number; reason: string };
  /** A background tab closed its stream (suspended: true) or picked it up again (false). */
  suspend: { suspended: boolean };
  /** The playback path changed (today only to 'progressive', the fallback); `reason` says why. */
  mode: { mode: PlaybackMode; reason: string };
  /** The server told us who we are (after every hello). */
  session: { sessionId: string; role: Role };
  /** A timed comment was posted on our channel (by anyone, us included): show it now. */
  comment: CommentInfo;
  /** A controller deleted a comment of our channel: take it off the screen. */
  'comment-deleted': Omit<CommentDeletedMessage, 'type'>;
}

/** What the Player lends its parts: its state, its events and its error log. */
export interface PlayerHost {
  /** The player's state now. */
  state(): PlayerState;
  setState(to: PlayerState): void;
  emit<K extends keyof PlayerEvents>(name: K, payload: PlayerEvents[K]): void;
  /** Records an error and emits it, without changing state. */
  report(error: PlayerError): void;
  /** Records an error and enters the error state. */
  fail(error: PlayerError): void;
}
