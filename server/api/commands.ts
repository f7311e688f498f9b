/**
 * `POST /api/channels/<id>/commands` — play / pause / seek for automation, with the same
 * validation, codes and effects as the WebSocket commands:
 *
 *   curl -X POST -H 'Authorization: Bearer $TOKEN' -d '{"type":"seek","position":30}' \
 *        http://localhost:8080/api/channels/sample/commands
 *
 * 200 {channel: ChannelInfo} on success; errors use the JSON error body with these statuses:
 * BAD_MESSAGE/BAD_SEEK 400, FORBIDDEN 401 (no token) / 403 (wrong token), UNKNOWN_CHANNEL 404,
 * NOT_SEEKABLE 409, body too large 413, RATE_LIMITED 429.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Channel } from '../channel/channel.js';
import { ErrorCode } from '../core/errors.js';
import { sendError, sendJson } from '../http/error-body.js';
import { MAX_CLIENT_MESSAGE_BYTES, parseClientMessage } from '../core/protocol.js';
import { bearerToken, tokenMatches } from '../access/auth.js';
import { RateLimiter } from '../access/rate-limit.js';

export interface CommandApiOptions {
  findChannel: (id: string) => Channel | undefined;
  controlToken: string;
  burst: number;
  perSecond: number;
}

const STATUS: Readonly<Record<string, number>> = { BAD_MESSAGE: 400, UNKNOWN_TYPE: 400, BAD_SEEK: 400, NOT_SEEKABLE: 409 };
/** Clients tracked for rate limiting; the oldest is forgotten beyond this (bounded memory). */
const MAX_TRACKED_CLIENTS = 1024;

/** Reads a request body up to `limit` bytes; null when it is larger (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createCommandApi(opts: CommandApiOptions) {
  const limiters = new Map<string, RateLimiter>();

  function limiterFor(client: string): RateLimiter {
    let l = limiters.get(client);
    if (!l) {
      if (limiters.size >= MAX_TRACKED_CLIENTS) limiters.delete(limiters.keys().next().value as string);
      l = new RateLimiter(opts.burst, opts.perSecond, Date.now());
      limiters.set(client, l);
    }
    return l;
  }

  return async function handleCommand(req: IncomingMessage, res: ServerResponse, channelId: string): Promise<void> {
    if (req.method !== 'POST') {
      sendError(req, res, 405, 'METHOD_NOT_ALLOWED', 'use POST', { Allow: 'POST' });
      return;
    }
    const channel = opts.findChannel(channelId);
    if (!channel) {
      sendError(req, res, 404, ErrorCode.UNKNOWN_CHANNEL, 'no such channel');
      return;
    }
    // Before the token check, so wrong tokens are charged too: no guessing faster than commanding.
    if (!limiterFor(req.socket.remoteAddress ?? 'unknown').take(Date.now())) {
      sendError(req, res, 429, ErrorCode.RATE_LIMITED, `more than ${opts.perSecond} commands per second`, { 'Retry-After': '1' });
      return;
    }
    if (!channel.openControl) {
      const token = bearerToken(req.headers.authorization);
      if (token === null) {
        sendError(req, res, 401, ErrorCode.FORBIDDEN, 'send the control token as "Authorization: Bearer <token>"', { 'WWW-Authenticate': 'Bearer realm="pushcast"' });
        return;
      }
      if (!tokenMatches(token, opts.controlToken)) {
        sendError(req, res, 403, ErrorCode.FORBIDDEN, 'wrong control token');
        return;
      }
    }
    const body = await readBody(req, MAX_CLIENT_MESSAGE_BYTES);
    if (body === null) {
      sendError(req, res, 413, ErrorCode.BAD_MESSAGE, `body larger than ${MAX_CLIENT_MESSAGE_BYTES} bytes`);
      return;
    }
    const parsed = parseClientMessage(body);
    if (!parsed.ok) {
      sendError(req, res, 400, parsed.code, parsed.message);
      return;
    }
    const msg = parsed.message;
    if (msg.type !== 'play' && msg.type !== 'pause' && msg.type !== 'seek') {
      sendError(req, res, 400, ErrorCode.BAD_MESSAGE, 'type must be "play", "pause" or "seek"');
      return;
    }
    if (msg.channel !== undefined && msg.channel !== channel.id) {
      sendError(req, res, 400, ErrorCode.BAD_MESSAGE, `"channel" says "${msg.channel}" but the URL names "${channel.id}"`);
      return;
    }
    const decision = channel.command(msg.type === 'seek' ? { type: 'seek', position: msg.position } : { type: msg.type });
    if (!decision.ok) {
      sendError(req, res, STATUS[decision.code] ?? 400, decision.code, decision.message);
      return;
    }
    sendJson(req, res, 200, { channel: channel.info() });
  };
}
