/**
 * What a Session (session.ts) is given: its socket, how to find channels, its limits and its
 * outlets (metrics, log). server.ts fills it from the config.
 */
import type { WebSocket } from 'ws';
import type { Channel } from '../channel/channel.js';
import type { CommentService } from '../comments/comments.js';
import type { Logger } from '../runtime/log.js';
import type { TokenGuard } from '../access/token-guard.js';

export interface SessionOptions {
  socket: WebSocket;
  /** Looks a channel up by id; undefined when there is none. */
  findChannel: (id: string) => Channel | undefined;
  /** Bytes a socket may hold unsent before the viewer starts skipping to the next keyframe. */
  maxBufferedBytes: number;
  serverName: string;
  /** The token that makes a session a controller (compared in constant time, never logged). */
  controlToken: string;
  /** Wrong tokens per address over all doors (access/token-guard.ts), and this socket's address. */
  tokenGuard?: TokenGuard;
  client?: string;
  /** Control commands a session may send: a burst, then this many per second. */
  commandBurst: number;
  commandsPerSecond: number;
  /** Every client message: a burst, then this many per second (config messageBurst / messagesPerSecond). */
  messageBurst?: number;
  messagesPerSecond?: number;
  /** A viewer that keeps skipping fragments this long is closed with 4001, ms. */
  overloadCloseMs?: number;
  /** Timed comments (comments/comments.ts); without it `comment` is answered UNKNOWN_TYPE. */
  comments?: CommentService;
  /** Counters for /metrics; optional so unit tests need none. */
  metrics?: SessionMetrics;
  log: Logger;
}

/** What a session reports to the metrics (server/metrics.ts implements it). */
export interface SessionMetrics {
  fragmentSent(channelId: string, bytes: number): void;
  /** Seconds from the channel handing the fragment over to the socket taking it. */
  deliveryDelay(channelId: string, seconds: number): void;
  dropped(channelId: string, count: number): void;
}
