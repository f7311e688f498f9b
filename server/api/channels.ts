/**
 * Channels at runtime over HTTP (an ApiRoute: server.ts lists it in createApiRoutes' `extra`):
 *
 *   POST   /api/channels        {"id","source","keepAlive"?,"transcode"?,"openControl"?}  201 {channel}
 *   DELETE /api/channels/<id>   200 {deleted: id}
 *
 * Both need the control token (`Authorization: Bearer …`) and go through the command gate: its
 * budget per client address is charged before the token is checked, so tokens cannot be guessed
 * faster than commands are sent (FORBIDDEN 401 without a token, 403 with a wrong one, RATE_LIMITED
 * 429). What a channel may be is channel/source-policy.ts's; adding and removing is
 * channel/runtime-channels.ts's. Every other method and path (GET /api/channels …) is left to the
 * read routes (routes.ts), so this route answers false for them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CommandGate } from '../access/command-gate.js';
import type { RuntimeChannels } from '../channel/runtime-channels.js';
import type { Checked } from '../channel/source-policy.js';
import { ErrorCode, httpStatusOf } from '../core/errors.js';
import { sendError, sendJson } from '../http/error-body.js';
import { readJsonBody } from './body.js';
import { decodeURIComponentSafe, type ApiRoute } from './routes.js';
import type { TokenGuard } from '../access/token-guard.js';

/** Largest POST body, bytes: a 2048-character source and the flags fit many times over. */
export const CHANNEL_BODY_MAX_BYTES = 8 * 1024;

export interface ChannelsApiOptions {
  runtime: Pick<RuntimeChannels, 'add' | 'remove'>;
  controlToken: string;
  /** Wrong tokens per client address over every door (access/token-guard.ts). */
  tokenGuard?: TokenGuard;
}

const ONE = /^\/api\/channels\/([^/]+)$/;

export function createChannelsApi(opts: ChannelsApiOptions): ApiRoute {
  const gate = new CommandGate({ controlToken: opts.controlToken, ...(opts.tokenGuard ? { guard: opts.tokenGuard } : {}) });

  /** Token and budget; false when the request was answered with a refusal. */
  function admitted(req: IncomingMessage, res: ServerResponse): boolean {
    const refusal = gate.admitRequest(req.socket.remoteAddress ?? 'unknown', req.headers.authorization, { openControl: false }, Date.now());
    if (refusal) sendError(req, res, refusal.status, refusal.code, refusal.message, refusal.headers);
    return refusal === null;
  }

  const fail = (req: IncomingMessage, res: ServerResponse, r: Extract<Checked<unknown>, { ok: false }>): void =>
    sendError(req, res, httpStatusOf(r.code) ?? 400, r.code, r.message);

  async function add(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!admitted(req, res)) return;
    const body = await readJsonBody(req, res, CHANNEL_BODY_MAX_BYTES);
    if (!body) return;
    const added = opts.runtime.add(body.value);
    if (!added.ok) return fail(req, res, added);
    const channel = added.value;
    sendJson(req, res, 201, { channel: channel.info() }, { Location: `/api/channels/${encodeURIComponent(channel.id)}` });
  }

  async function remove(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    if (!admitted(req, res)) return;
    const removed = await opts.runtime.remove(id);
    if (!removed.ok) fail(req, res, removed);
    else sendJson(req, res, 200, { deleted: removed.value });
  }

  return async function channelsRoute(req, res, rawPath) {
    if (rawPath === '/api/channels' && req.method === 'POST') {
      await add(req, res);
      return true;
    }
    const one = ONE.exec(rawPath);
    if (one && req.method === 'DELETE') {
      await remove(req, res, decodeURIComponentSafe(one[1] ?? ''));
      return true;
    }
    return false;
  };
}
