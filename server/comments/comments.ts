/**
 * The comment service: the one place a comment is judged, stamped, stored and announced, whether
 * it came over the WebSocket (ws/comment-handler.ts) or HTTP (api/comments.ts).
 *
 *   post:   text and name rules (core/comment-text.ts) → `at` = the channel's shared playhead as a
 *           file position (null on live channels: policy.ts commentPosition) and `time` = server ms
 *           → stored (store/comments.ts) → `{type:"comment", id, channel, at, time, name, text}` to
 *           every viewer of the channel, the author included.
 *   remove: the row goes → `{type:"comment-deleted", id, channel}` to every viewer of its channel.
 *   list:   a position window or the newest ones (policy.ts parseCommentQuery).
 * Who may delete (controllers) and how often anyone may post (rate limits) is decided by the
 * callers, which know the connection. Nothing here throws: a failing database answers INTERNAL
 * (and is logged), so a bad disk never takes a socket handler down.
 *
 * Delivery uses the session's `push`, which skips a viewer whose socket is backed up: such a viewer
 * is behind on media anyway, and a comment flood must not pile up behind its fragments. On file
 * channels the page fetches the window ahead over HTTP, so a skipped comment still shows there.
 */
import { ErrorCode } from '../core/errors.js';
import { checkCommentText, checkDisplayName } from '../core/comment-text.js';
import type { CommentInfo, ServerMessage } from '../core/protocol.js';
import type { Logger } from '../runtime/log.js';
import type { CommentStore } from '../store/comments.js';
import { commentPosition, type CommentQuery } from './policy.js';
import { ClientLimiter } from '../access/client-limiter.js';
import type { Budget } from '../access/message-gate.js';

/** What the service reads of a channel (a Channel is one): file channels have a resume point. */
export interface CommentChannel {
  readonly id: string;
  resumePoint(now?: number): { position: number } | null;
}

/** A viewer's connection (a Session is one). Must not throw. */
export interface CommentListener {
  push(msg: ServerMessage): void;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export interface CommentServiceOptions {
  store: CommentStore;
  findChannel: (id: string) => CommentChannel | undefined;
  /** The connections watching a channel now. */
  viewersOf: (channelId: string) => Iterable<CommentListener>;
  log: Logger;
  /** Server clock, ms since the epoch (tests pin it). */
  now?: () => number;
}

/**
 * Comments one client address may post over all its WebSockets: a burst, then per second. The
 * per-connection budget (access/message-gate.ts) alone let one address post 787 a second by
 * churning connections; every one is broadcast and stored.
 */
export const COMMENT_ADDRESS_BUDGET: Readonly<Budget> = { burst: 10, perSecond: 2 };

export class CommentService {
  private readonly now: () => number;
  /** WebSocket posts per client address (ws/comment-handler.ts charges it). */
  readonly perAddress = new ClientLimiter(COMMENT_ADDRESS_BUDGET);

  constructor(private readonly opts: CommentServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Judges, stamps, stores and announces one comment. */
  post(channelId: string, fields: { text: string; name?: string | undefined }): Outcome<CommentInfo> {
    const channel = this.opts.findChannel(channelId);
    if (!channel) return { ok: false, code: ErrorCode.UNKNOWN_CHANNEL, message: `no channel "${channelId.slice(0, 128)}"` };
    const text = checkCommentText(fields.text);
    if (!text.ok) return text;
    const name = checkDisplayName(fields.name);
    if (!name.ok) return name;
    const time = this.now();
    const stored = this.guard('store a comment', () => this.opts.store.insert({
      channel: channel.id, at: commentPosition(channel.resumePoint(time)), time, name: name.value, text: text.value,
    }));
    if (!stored.ok) return stored;
    const comment = stored.value;
    // The text is not logged: it is the viewers', and logs travel further than the database.
    this.opts.log.info('comment', { channel: channel.id, comment: comment.id, at: comment.at, chars: comment.text.length });
    this.announce(channel.id, { type: 'comment', ...comment });
    return stored;
  }

  /** Deletes a comment (of `channelId`, when given: the HTTP route names one) and tells its viewers. */
  remove(commentId: number, channelId?: string): Outcome<CommentInfo> {
    const found = this.guard('read a comment', () => this.opts.store.get(commentId));
    if (!found.ok) return found;
    const comment = found.value;
    if (!comment || (channelId !== undefined && comment.channel !== channelId)) {
      return { ok: false, code: ErrorCode.COMMENT_NOT_FOUND, message: `no comment ${commentId}${channelId !== undefined ? ` on "${channelId.slice(0, 128)}"` : ''}` };
    }
    const deleted = this.guard('delete a comment', () => this.opts.store.delete(commentId));
    if (!deleted.ok) return deleted;
    // Deleted meanwhile by someone else: the same answer as if it had never been there.
    if (!deleted.value) return { ok: false, code: ErrorCode.COMMENT_NOT_FOUND, message: `no comment ${commentId}` };
    this.opts.log.info('comment deleted', { channel: comment.channel, comment: comment.id });
    this.announce(comment.channel, { type: 'comment-deleted', id: comment.id, channel: comment.channel });
    return { ok: true, value: comment };
  }

  /** The stored comments a query asks for. */
  list(channelId: string, query: CommentQuery): Outcome<CommentInfo[]> {
    if (!this.opts.findChannel(channelId)) return { ok: false, code: ErrorCode.UNKNOWN_CHANNEL, message: `no channel "${channelId.slice(0, 128)}"` };
    const { store } = this.opts;
    return this.guard('list comments', () => (query.kind === 'window'
      ? store.window(channelId, query.from, query.to, query.limit)
      : store.recent(channelId, query.limit)));
  }

  private announce(channelId: string, msg: ServerMessage): void {
    for (const viewer of this.opts.viewersOf(channelId)) viewer.push(msg);
  }

  /** Runs a database call; an exception (disk full, I/O error) becomes INTERNAL, logged. */
  private guard<T>(what: string, op: () => T): Outcome<T> {
    try {
      return { ok: true, value: op() };
    } catch (err) {
      this.opts.log.error(`could not ${what}`, { error: String(err).slice(0, 300) });
      return { ok: false, code: ErrorCode.INTERNAL, message: `could not ${what}` };
    }
  }
}
