/**
 * `POST /api/channels/<id>/commands` — play / pause / seek for automation, with the same
 * validation, codes and effects as the WebSocket commands:
 *
 *   curl -X POST -H 'Authorization: Bearer $TOKEN' -d '{"type":"seek","position":30}' \
 *        http://localhost:8080/api/channels/sample/commands
 *
 * 200 {channel: ChannelInfo} on success; errors use the JSON error body with these statuses:
 * BAD_MESSAGE/BAD_SEEK 400, FORBIDDEN 401 (no token) / 403 (wrong token), UNKNOWN_CHANNEL 404,
 * NOT_SEEKABLE 409, body too large 413, RATE_LIMITED 429. Who may and how often is the command
 * gate's (access/command-gate.ts), shared with the WebSocket session; statuses come from the
 * error registry (core/errors.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Channel } from '../channel/channel.js';
import { ErrorCode, httpStatusOf } from '../core/errors.js';
import { sendError, sendJson } from '../http/error-body.js';
import { readBody } from './body.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../core/protocol.js';
import { parseClientMessage } from '../core/protocol-validate.js';
import { CommandGate, toCommand, type Refusal } from '../access/command-gate.js';
import type { Budget } from '../access/message-gate.js';
import type { TokenGuard } from '../access/token-guard.js';

export interface CommandApiOptions {
  findChannel: (id: string) => Channel | undefined;
  controlToken: string;
  /** Wrong tokens per client address over every door (access/token-guard.ts). */
  tokenGuard?: TokenGuard;
  /** The command budget per client address (the WebSocket's command budget by default). */
  budget?: Budget;
}

export function createCommandApi(opts: CommandApiOptions) {
  const gate = new CommandGate({ controlToken: opts.controlToken, ...(opts.budget ? { budget: opts.budget } : {}), ...(opts.tokenGuard ? { guard: opts.tokenGuard } : {}) });
  const refuse = (req: IncomingMessage, res: ServerResponse, r: Refusal) => sendError(req, res, r.status, r.code, r.message, r.headers);

  return async function handleCommand(req: IncomingMessage, res: ServerResponse, channelId: string): Promise<void> {
    if (req.method !== 'POST') {
      sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, 'use POST', { Allow: 'POST' });
      return;
    }
    const channel = opts.findChannel(channelId);
    if (!channel) {
      sendError(req, res, 404, ErrorCode.UNKNOWN_CHANNEL, 'no such channel');
      return;
    }
    const refusal = gate.admitRequest(req.socket.remoteAddress ?? 'unknown', req.headers.authorization, channel, Date.now());
    if (refusal) {
      refuse(req, res, refusal);
      return;
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
    const decision = channel.command(toCommand(msg));
    if (!decision.ok) {
      sendError(req, res, httpStatusOf(decision.code) ?? 400, decision.code, decision.message);
      return;
    }
    sendJson(req, res, 200, { channel: channel.info() });
  };
}
