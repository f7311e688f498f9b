/**
 * `GET | HEAD | OPTIONS /vod/<path>`: serves files under the media root with validators,
 * conditionals, byte ranges and CORS (RFC 9110 §8.8, §13, §14, §15.3.7). The pure decisions live
 * in range.ts, conditional.ts, cors.ts, multipart.ts and safe-path.ts; this file is the I/O shell.
 *
 * Lifecycle of one request: resolve path → open one file handle → fstat it (so headers and bytes
 * come from the same inode even if the file is replaced meanwhile) → decide status → stream →
 * close the handle in `finally`, whether the body completed, failed or the client went away.
 */
import { promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { evaluatePreconditions, ifRangeAllows } from './conditional.js';
import { corsHeaders, preflightHeaders, validateCorsOrigins } from './cors.js';
import { makeStrongEtag } from './etag.js';
import { formatHttpDate } from './http-date.js';
import { contentTypeFor } from './mime.js';
import { planMultipart } from './multipart.js';
import type { MultipartPlan } from './multipart.js';
import { parseRangeHeader } from './range.js';
import { resolveMediaPath } from './safe-path.js';

/** Structurally compatible with server/log.ts `Logger`, without depending on it. */
export interface VodLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  debug?(msg: string, fields?: Record<string, unknown>): void;
}

export interface VodOptions {
  /** Media directory; only regular files below its real path are served. */
  root: string;
  /** Cache-Control for 200/206/304 (e.g. `public, max-age=3600`). */
  cacheControl: string;
  /** Exact origins allowed to read responses cross-origin, or `['*']`; `[]` disables CORS. */
  corsOrigins: string[];
  /** Where unexpected I/O errors are reported; defaults to stderr. */
  log?: VodLogger;
}

export type VodHandler = (req: IncomingMessage, res: ServerResponse, relPath: string) => Promise<void>;

const ALLOW = 'GET, HEAD, OPTIONS';
/** Error responses must not be cached under the file's URL (a cached 404/416 would poison it). */
const NO_STORE = 'no-store';

type ErrorCode = 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'PRECONDITION_FAILED' | 'RANGE_NOT_SATISFIABLE' | 'INTERNAL';

const stderrLog: VodLogger = {
  warn: (msg, fields) => process.stderr.write(`warn [vod] ${msg} ${JSON.stringify(fields ?? {})}\n`),
};

/** Writes a small JSON error; HEAD gets the same headers without the body (§9.3.2). */
function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: OutgoingHttpHeaders,
): void {
  const body = Buffer.from(JSON.stringify({ error: { code, message } }));
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'Cache-Control': NO_STORE,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The client closing the connection mid-body is routine (players seek by aborting). */
function isClientAbort(err: unknown, res: ServerResponse): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return (
    !res.writableFinished &&
    (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE' || res.destroyed)
  );
}

/** Frames, then file bytes, for each part; pipeline() ends the generator if the client leaves. */
async function* multipartBody(handle: FileHandle, plan: MultipartPlan): AsyncGenerator<Buffer> {
  for (const part of plan.parts) {
    yield part.head;
    // autoClose:false — the handle is shared by all parts and closed by the request's finally.
    yield* handle.createReadStream({ start: part.range.start, end: part.range.end, autoClose: false });
  }
  yield plan.tail;
}

export function createVodHandler(opts: VodOptions): VodHandler {
  if (typeof opts.root !== 'string' || opts.root === '') throw new TypeError('VodOptions.root must be a non-empty path');
  if (/[\r\n]/.test(opts.cacheControl)) throw new TypeError('VodOptions.cacheControl must be a single header line');
  validateCorsOrigins(opts.corsOrigins);
  const { root, cacheControl } = opts;
  const corsOrigins = [...opts.corsOrigins];
  const log = opts.log ?? stderrLog;

  /** Sends status, headers and body for an open, regular file. */
  async function serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    handle: FileHandle,
    stat: Stats,
    filePath: string,
    cors: OutgoingHttpHeaders,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const size = stat.size;
    const etag = makeStrongEtag(stat);
    const contentType = contentTypeFor(filePath);
    const validators: OutgoingHttpHeaders = {
      ...cors,
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Last-Modified': formatHttpDate(stat.mtimeMs),
      'X-Content-Type-Options': 'nosniff',
    };

    // §13.2.2: preconditions first, so 304 and 412 win over Range.
    const outcome = evaluatePreconditions(
      method,
      {
        ifMatch: req.headers['if-match'],
        ifNoneMatch: req.headers['if-none-match'],
        ifModifiedSince: req.headers['if-modified-since'],
        ifUnmodifiedSince: req.headers['if-unmodified-since'],
      },
      { etag, lastModifiedMs: stat.mtimeMs },
    );
    if (outcome === 'precondition-failed') {
      sendError(req, res, 412, 'PRECONDITION_FAILED', 'precondition failed', validators);
      return;
    }
    if (outcome === 'not-modified') {
      // §15.4.5 wants the validators and Cache-Control a 200 would carry; §8.6 allows the 200's
      // Content-Length. The 304 itself never has a body.
      res.writeHead(304, { ...validators, 'Content-Type': contentType, 'Content-Length': size, 'Cache-Control': cacheControl });
      res.end();
      return;
    }

    // §14.2: Range is defined for GET; HEAD mirrors GET's headers (§9.3.2). A failed If-Range
    // means "send me the whole, changed file" (§13.1.5), so the Range is then ignored.
    // A repeated If-Range header is malformed: it can validate nothing, so the Range is ignored.
    const range = req.headers.range;
    const ifRange = req.headers['if-range'];
    const result =
      range !== undefined && !Array.isArray(ifRange) && ifRangeAllows(ifRange, etag, stat.mtimeMs)
        ? parseRangeHeader(range, size)
        : ({ kind: 'none' } as const);

    if (result.kind === 'unsatisfiable') {
      sendError(req, res, 416, 'RANGE_NOT_SATISFIABLE', 'range not satisfiable', {
        ...validators,
        'Content-Range': `bytes */${size}`, // §15.5.17
      });
      return;
    }
    if (result.kind === 'whole') log.debug?.('range ignored', { path: filePath, reason: result.reason });

    const cacheable = { ...validators, 'Cache-Control': cacheControl };
    let body: AsyncIterable<Buffer> | NodeJS.ReadableStream | undefined;
    if (result.kind === 'ranges' && result.ranges.length === 1) {
      const r = result.ranges[0]!;
      res.writeHead(206, {
        ...cacheable,
        'Content-Type': contentType,
        'Content-Length': r.end - r.start + 1,
        'Content-Range': `bytes ${r.start}-${r.end}/${size}`, // §14.4
      });
      body = handle.createReadStream({ start: r.start, end: r.end, autoClose: false });
    } else if (result.kind === 'ranges') {
      const plan = planMultipart(result.ranges, size, contentType);
      res.writeHead(206, { ...cacheable, 'Content-Type': plan.contentType, 'Content-Length': plan.length });
      body = multipartBody(handle, plan);
    } else {
      res.writeHead(200, { ...cacheable, 'Content-Type': contentType, 'Content-Length': size });
      if (size > 0) body = handle.createReadStream({ start: 0, end: size - 1, autoClose: false });
    }

    if (method === 'HEAD' || body === undefined) {
      // A read stream created for HEAD would never be consumed; close it explicitly.
      if (body && 'destroy' in body && typeof body.destroy === 'function') body.destroy();
      res.end();
      return;
    }
    try {
      // pipeline() applies backpressure and, when the response closes early, destroys the file
      // stream (or returns the generator, which destroys the part stream), so no read lingers.
      await pipeline(body, res);
    } catch (err) {
      if (isClientAbort(err, res)) {
        log.debug?.('client closed during body', { path: filePath });
        return;
      }
      log.warn('vod body stream failed', { path: filePath, error: String(err) });
      res.destroy(); // headers are gone: cutting the connection is the only honest signal left
    }
  }

  return async function vodHandler(req, res, relPath) {
    const cors = corsHeaders(req.headers.origin, corsOrigins);
    try {
      const method = req.method ?? '';
      if (method === 'OPTIONS') {
        // Answered without touching the filesystem: a preflight must not reveal what exists.
        res.writeHead(204, { ...preflightHeaders(req.headers.origin, corsOrigins), Allow: ALLOW });
        res.end();
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        sendError(req, res, 405, 'METHOD_NOT_ALLOWED', 'method not allowed', { ...cors, Allow: ALLOW }); // §15.5.6
        return;
      }

      const resolved = await resolveMediaPath(root, relPath);
      if (!resolved.ok) {
        if (resolved.reason === 'IO_ERROR') log.warn('vod path resolution failed', { error: String(resolved.cause) });
        sendError(req, res, 404, 'NOT_FOUND', 'no such file', cors);
        return;
      }

      let handle: FileHandle;
      try {
        handle = await fsp.open(resolved.path, 'r');
      } catch (err) {
        // Deleted or replaced between resolve and open: still just "not found" for the client.
        log.debug?.('vod open failed', { error: String(err) });
        sendError(req, res, 404, 'NOT_FOUND', 'no such file', cors);
        return;
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
          sendError(req, res, 404, 'NOT_FOUND', 'no such file', cors);
          return;
        }
        await serveFile(req, res, handle, stat, resolved.path, cors);
      } finally {
        // Waits for any in-flight read, then releases the descriptor (aborted requests included).
        await handle.close().catch((err: unknown) => log.warn('vod close failed', { error: String(err) }));
      }
    } catch (err) {
      log.warn('vod handler failed', { error: String(err) });
      if (!res.headersSent) sendError(req, res, 500, 'INTERNAL', 'internal error', cors);
      else res.destroy();
    }
  };
}
