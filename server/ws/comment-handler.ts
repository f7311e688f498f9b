/**
 * The WebSocket side of comments: a session hands its `comment` and `delete-comment` messages here
 * (after the message gate charged their per-type budget: access/message-gate.ts) and sends `ack`
 * or `error` with the answer. Who may: posting needs a joined channel (the comment belongs to what
 * the viewer watches); deleting needs the controller role (the control token in `hello`), even on
 * channels with open control, since deleting is moderation, not playback.
 */
import type { Role } from '../access/auth.js';
import { COMMENT_ADDRESS_BUDGET, type CommentService } from '../comments/comments.js';
import { ErrorCode } from '../core/errors.js';
import type { CommentDeleteMessage, CommentPostMessage } from '../core/protocol.js';

export type CommentReply = { ok: true } | { ok: false; code: ErrorCode; message: string };

export interface CommentContext {
  /** The channel the session has joined, or null. */
  channel: string | null;
  role: Role;
  /** The socket's client address: posts are also limited per address (CommentService.perAddress). */
  client?: string;
}

export function handleCommentMessage(service: CommentService | undefined, msg: CommentPostMessage | CommentDeleteMessage, ctx: CommentContext): CommentReply {
  if (!service) return { ok: false, code: ErrorCode.UNKNOWN_TYPE, message: 'this server keeps no comments' };
  if (msg.type === 'comment') {
    if (ctx.channel === null) return { ok: false, code: ErrorCode.NOT_JOINED, message: 'join a channel before commenting on it' };
    if (ctx.client !== undefined && !service.perAddress.take(ctx.client, Date.now())) {
      return { ok: false, code: ErrorCode.RATE_LIMITED, message: `more than ${COMMENT_ADDRESS_BUDGET.perSecond} comments a second from this address` };
    }
    const posted = service.post(ctx.channel, { text: msg.text, name: msg.name });
    return posted.ok ? { ok: true } : posted;
  }
  if (ctx.role !== 'controller') return { ok: false, code: ErrorCode.FORBIDDEN, message: 'deleting comments needs the control token' };
  const removed = service.remove(msg.comment);
  return removed.ok ? { ok: true } : removed;
}
