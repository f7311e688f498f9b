/**
 * Request bodies of the JSON API: read up to a limit (the rest is drained and dropped, so a huge
 * body costs no memory), then, for the routes that take JSON, parsed, with the one answer every
 * route gives to a body too large (413) or not JSON (400), both BAD_MESSAGE.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../core/errors.js';
import { sendError } from '../http/error-body.js';

/** Reads a request body up to `limit` bytes; null when it is larger (the rest is discarded). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
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

/** The parsed JSON body, or undefined once the client has been answered 413 or 400. */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<{ value: unknown } | undefined> {
  const body = await readBody(req, limit);
  if (body === null) {
    sendError(req, res, 413, ErrorCode.BAD_MESSAGE, `body larger than ${limit} bytes`);
    return undefined;
  }
  try {
    return { value: JSON.parse(body) as unknown };
  } catch {
    sendError(req, res, 400, ErrorCode.BAD_MESSAGE, 'the body is not valid JSON');
    return undefined;
  }
}
