/**
 * The JSON body every pushcast HTTP error carries: `{ "error": { "code", "message" } }`.
 * `code` is stable (clients switch on it), `message` is for humans and may change.
 * Shared by /vod/, /api/media and the rest of the HTTP API.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody, type ErrorCode } from '../core/errors.js';

// The shape lives in core/errors.ts so the player reads it with the same code (readErrorBody).
export { errorBody, type ErrorBody } from '../core/errors.js';

/**
 * Sends a small JSON document with an exact Content-Length. HEAD gets the same headers and no
 * body (RFC 9110 §9.3.2). Defaults to `no-store`: an error or a progress note cached under a
 * media URL would poison it; callers may override through `headers`.
 */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': bytes.length,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** `sendJson` with the error shape; Cache-Control is always no-store for errors. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: OutgoingHttpHeaders = {},
  details: Record<string, unknown> = {},
): void {
  sendJson(req, res, status, errorBody(code, message, details), { ...headers, 'Cache-Control': 'no-store' });
}
