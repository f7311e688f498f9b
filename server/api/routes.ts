/**
 * The JSON API under /api/ (server.ts mounts it after CORS and the preflight):
 *   POST /api/channels/<id>/commands   play / pause / seek (commands.ts)
 *   POST /api/channels, DELETE /api/channels/<id>   channels at runtime (channels.ts, one of `extra`)
 *   GET  /api/channels                 every channel's info
 *   GET  /api/channels/<id>            one channel's info
 *   GET  /api/media                    the media files (vod/routes.ts)
 *   GET  /api/health                   liveness + which ffmpeg runs
 * Anything else is a JSON 404; a method other than GET / HEAD on a read route is a 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChannelRegistry } from '../channel/registry.js';
import { ErrorCode } from '../core/errors.js';
import { sendError, sendJson } from '../http/error-body.js';

export interface ApiRoutesOptions {
  channels: ChannelRegistry;
  /** The command route (createCommandApi). */
  commands: (req: IncomingMessage, res: ServerResponse, channelId: string) => Promise<void>;
  /** GET /api/media. */
  mediaApi: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The body of GET /api/health, built when asked (it counts the viewers now). */
  health: () => Record<string, unknown>;
  /**
   * Feature routes (comments, uploads, runtime channels …), asked in order before the read routes
   * below: each answers the request and returns true, or returns false for a path it does not own.
   */
  extra?: readonly ApiRoute[];
}

export type ApiHandler = (req: IncomingMessage, res: ServerResponse, rawPath: string) => Promise<void>;
/** One feature's routes: true when it answered the request. */
export type ApiRoute = (req: IncomingMessage, res: ServerResponse, rawPath: string) => Promise<boolean>;

export function createApiRoutes(opts: ApiRoutesOptions): ApiHandler {
  return async function api(req, res, rawPath) {
    const commands = /^\/api\/channels\/([^/]+)\/commands$/.exec(rawPath);
    if (commands) return opts.commands(req, res, decodeURIComponentSafe(commands[1] ?? ''));
    for (const route of opts.extra ?? []) if (await route(req, res, rawPath)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed here`, { Allow: 'GET, HEAD' });
      return;
    }
    if (rawPath === '/api/channels') {
      sendJson(req, res, 200, { channels: opts.channels.all().map((c) => c.info()) });
      return;
    }
    const one = /^\/api\/channels\/([^/]+)$/.exec(rawPath);
    if (one) {
      const channel = opts.channels.get(decodeURIComponentSafe(one[1] ?? ''));
      if (!channel) sendError(req, res, 404, ErrorCode.UNKNOWN_CHANNEL, 'no such channel');
      else sendJson(req, res, 200, channel.info());
      return;
    }
    if (rawPath === '/api/media') return opts.mediaApi(req, res);
    if (rawPath === '/api/health') {
      sendJson(req, res, 200, opts.health());
      return;
    }
    sendError(req, res, 404, ErrorCode.NOT_FOUND, 'no such API');
  };
}

/** A path segment decoded; the raw text when it is not valid percent-encoding. */
export function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
