/**
 * Timed comments over HTTP (an ApiRoute: server.ts lists it in createApiRoutes' `extra`):
 *
 *   GET    /api/channels/<id>/comments?from=<s>&to=<s>[&limit=<n>]   comments in a position window
 *   GET    /api/channels/<id>/comments[?limit=<n>]                   the newest ones (live channels)
 *   POST   /api/channels/<id>/comments   {"text":"…","name"?:"…"}    posts one (201 {comment})
 *   DELETE /api/channels/<id>/comments/<comment id>                  controllers (Bearer token)
 *
 * POST is limited per client address (COMMENT_HTTP_BUDGET, RATE_LIMITED 429 beyond), like the
 * WebSocket's per-connection `comment` budget. DELETE goes through the command gate: its budget
 * per address is charged before the token is checked, so tokens cannot be guessed faster than
 * commands are sent (FORBIDDEN 401 without a token, 403 with a wrong one). A POST is stamped with
 * the channel's shared playhead like any other comment (comments/comments.ts); it does not need
 * a WebSocket or a joined channel, which is what makes it useful for bots and tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientLimiter } from '../access/client-limiter.js';
import { CommandGate } from '../access/command-gate.js';
import type { Budget } from '../access/message-gate.js';
import type { CommentService, Outcome } from '../comments/comments.js';
import { parseCommentQuery } from '../comments/policy.js';
import { ErrorCode, httpStatusOf } from '../core/errors.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../core/protocol.js';
import { readCommentFields } from '../core/protocol-validate.js';
import { sendError, sendJson } from '../http/error-body.js';
import { readJsonBody } from './body.js';
import { decodeURIComponentSafe, type ApiRoute } from './routes.js';
import type { TokenGuard } from '../access/token-guard.js';

/** Comments one address may POST at once, then per second: the WebSocket's `comment` budget. */
export const COMMENT_HTTP_BUDGET: Readonly<Budget> = { burst: 3, perSecond: 1 };

export interface CommentsApiOptions {
  comments: CommentService;
  controlToken: string;
  /** Wrong tokens per client address over every door (access/token-guard.ts). */
  tokenGuard?: TokenGuard;
  /** POST budget per client address; COMMENT_HTTP_BUDGET by default. */
  budget?: Budget;
}

const PATH = /^\/api\/channels\/([^/]+)\/comments(?:\/([^/]*))?$/;
/** A comment id in a URL: a positive decimal integer, no sign, no leading zero. */
const COMMENT_ID = /^[1-9]\d{0,15}$/;

export function createCommentsApi(opts: CommentsApiOptions): ApiRoute {
  const posts = new ClientLimiter(opts.budget ?? COMMENT_HTTP_BUDGET);
  const gate = new CommandGate({ controlToken: opts.controlToken, ...(opts.tokenGuard ? { guard: opts.tokenGuard } : {}) });
  const { comments } = opts;

  /** Sends an outcome's failure with the status its code carries in the registry. */
  const fail = (req: IncomingMessage, res: ServerResponse, r: Extract<Outcome<unknown>, { ok: false }>): void =>
    sendError(req, res, httpStatusOf(r.code) ?? 400, r.code, r.message);

  async function post(req: IncomingMessage, res: ServerResponse, channelId: string): Promise<void> {
    if (!posts.take(req.socket.remoteAddress ?? 'unknown', Date.now())) {
      sendError(req, res, 429, ErrorCode.RATE_LIMITED, `more than ${(opts.budget ?? COMMENT_HTTP_BUDGET).perSecond} comment(s) per second`, { 'Retry-After': '1' });
      return;
    }
    const body = await readJsonBody(req, res, MAX_CLIENT_MESSAGE_BYTES);
    if (!body) return;
    const value = body.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      sendError(req, res, 400, ErrorCode.BAD_MESSAGE, 'the body must be a JSON object {"text", "name"?}');
      return;
    }
    const fields = readCommentFields(value as Record<string, unknown>);
    if (typeof fields === 'string') {
      sendError(req, res, 400, ErrorCode.BAD_MESSAGE, fields);
      return;
    }
    const posted = comments.post(channelId, fields);
    if (!posted.ok) fail(req, res, posted);
    else sendJson(req, res, 201, { comment: posted.value });
  }

  function list(req: IncomingMessage, res: ServerResponse, channelId: string): void {
    const search = (req.url ?? '').split('?')[1] ?? '';
    const parsed = parseCommentQuery(new URLSearchParams(search));
    if (!parsed.ok) {
      sendError(req, res, 400, parsed.code, parsed.message);
      return;
    }
    const listed = comments.list(channelId, parsed.query);
    if (!listed.ok) fail(req, res, listed);
    else sendJson(req, res, 200, { channel: channelId, comments: listed.value });
  }

  function remove(req: IncomingMessage, res: ServerResponse, channelId: string, rawId: string): void {
    const refusal = gate.admitRequest(req.socket.remoteAddress ?? 'unknown', req.headers.authorization, { openControl: false }, Date.now());
    if (refusal) {
      sendError(req, res, refusal.status, refusal.code, refusal.message, refusal.headers);
      return;
    }
    if (!COMMENT_ID.test(rawId)) {
      sendError(req, res, 404, ErrorCode.COMMENT_NOT_FOUND, 'a comment id is a positive integer');
      return;
    }
    const removed = comments.remove(Number(rawId), channelId);
    if (!removed.ok) fail(req, res, removed);
    else sendJson(req, res, 200, { deleted: removed.value });
  }

  return async function commentsRoute(req, res, rawPath) {
    const m = PATH.exec(rawPath);
    if (!m) return false;
    const channelId = decodeURIComponentSafe(m[1] ?? '');
    const commentId = m[2];
    if (commentId === undefined) {
      if (req.method === 'GET' || req.method === 'HEAD') list(req, res, channelId);
      else if (req.method === 'POST') await post(req, res, channelId);
      else sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed here`, { Allow: 'GET, HEAD, POST' });
    } else if (req.method === 'DELETE') {
      remove(req, res, channelId, commentId);
    } else {
      sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed here`, { Allow: 'DELETE' });
    }
    return true;
  };
}
