/**
 * The JSON body every pushcast HTTP error carries: `{ "error": { "code", "message" } }`.
 * `code` is stable (clients switch on it), `message` is for humans and may change.
 * Shared by /vod/, /api/media and the rest of the HTTP API.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

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
  code: string,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  sendJson(req, res, status, errorBody(code, message), { ...headers, 'Cache-Control': 'no-store' });
}
