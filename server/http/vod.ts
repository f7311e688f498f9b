/**
 * `GET | HEAD | OPTIONS /vod/<path>`: serves files under the media root with validators,
 * conditionals, byte ranges and CORS (RFC 9110 §8.8, §13, §14, §15.3.7). The pure decisions live
 * in range.ts, conditional.ts, cors.ts, multipart.ts and safe-path.ts; this file is the I/O shell.
 *
 * Two layers, so server/vod/routes.ts can serve generated copies with the same policy:
 * - `createFileResponder` answers GET/HEAD for one absolute, already-trusted file path;
 * - `createVodHandler` adds the method gate (OPTIONS, 405) and the media-root path check.
 *
 * Lifecycle of one response: open one file handle → fstat it (so headers and bytes come from the
 * same inode even if the file is replaced meanwhile) → decide status → stream → close the handle
 * in `finally`, whether the body completed, failed or the client went away.
 */
import { ErrorCode as VodErrorCode } from '../core/errors.js';
import { promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { evaluatePreconditions, ifRangeAllows } from './conditional.js';
import { corsHeaders, preflightHeaders, validateCorsOrigins } from './cors.js';
import { sendError } from './error-body.js';
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

/** The codes of /vod/ error bodies; defined once in core/errors.ts (kept as a name for callers). */
export { VodErrorCode };

export interface ResponderOptions {
  /** Cache-Control for 200/206/304 (e.g. `public, max-age=3600`). */
  cacheControl: string;
  /** Exact origins allowed to read responses cross-origin, or `['*']`; `[]` disables CORS. */
  corsOrigins: string[];
  /** Where unexpected I/O errors are reported; defaults to stderr. */
  log?: VodLogger;
}

export interface VodOptions extends ResponderOptions {
  /** Media directory; only regular files below its real path are served. */
  root: string;
}

export type VodHandler = (req: IncomingMessage, res: ServerResponse, relPath: string) => Promise<void>;

/**
 * Serves GET/HEAD for `absPath`, which the caller has already vetted. `extraHeaders` go on every
 * response (e.g. which variant of a file this is). Never rejects: failures become 404/500 or a cut
 * connection once headers are out.
 */
export type FileResponder = (
  req: IncomingMessage,
  res: ServerResponse,
  absPath: string,
  extraHeaders?: OutgoingHttpHeaders,
) => Promise<void>;

export const ALLOW = 'GET, HEAD, OPTIONS';

/**
 * Bytes per file read (and so per socket write). Node's default of 64 KiB makes a 1 MiB range 16
 * promise reads, 16 buffers and 16 writes; the Range benchmark (bench/range.ts, issue 12) spent
 * most of pushcast's CPU there. 256 KiB cuts that fourfold while keeping the memory a slow client
 * can pin to a few hundred KiB per response. 1 MiB was faster still (one read per typical range,
 * ~580 req/s against ~420 at 16 connections) but is held back: with it, the graceful-shutdown
 * test once saw a slow download lose its last 166 KB (the kernel-buffered tail when the process
 * exited), and that race must be fixed in server.close() first.
 */
export const READ_CHUNK_BYTES = 256 * 1024;

const stderrLog: VodLogger = {
  warn: (msg, fields) => process.stderr.write(`warn [vod] ${msg} ${JSON.stringify(fields ?? {})}\n`),
};

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
    // autoClose:false — the handle is shared by all parts and closed by the responder's finally.
    yield* handle.createReadStream({ start: part.range.start, end: part.range.end, autoClose: false, highWaterMark: READ_CHUNK_BYTES });
  }
  yield plan.tail;
}

function checkResponderOptions(opts: ResponderOptions): void {
  if (typeof opts.cacheControl !== 'string' || /[\r\n]/.test(opts.cacheControl)) {
    throw new TypeError('cacheControl must be a single header line');
  }
  validateCorsOrigins(opts.corsOrigins);
}

/**
 * Answers OPTIONS (preflight, 204) and every method other than GET/HEAD (405 with Allow,
 * §15.5.6). Returns true when it answered. A preflight never touches the filesystem, so it cannot
 * reveal which files exist.
 */
export function answerNonGet(req: IncomingMessage, res: ServerResponse, corsOrigins: readonly string[]): boolean {
  const method = req.method ?? '';
  if (method === 'GET' || method === 'HEAD') return false;
  if (method === 'OPTIONS') {
    res.writeHead(204, { ...preflightHeaders(req.headers.origin, corsOrigins), Allow: ALLOW });
    res.end();
    return true;
  }
  sendError(req, res, 405, VodErrorCode.METHOD_NOT_ALLOWED, 'method not allowed', {
    ...corsHeaders(req.headers.origin, corsOrigins),
    Allow: ALLOW,
  });
  return true;
}

export function createFileResponder(opts: ResponderOptions): FileResponder {
  checkResponderOptions(opts);
  const { cacheControl } = opts;
  const corsOrigins = [...opts.corsOrigins];
  const log = opts.log ?? stderrLog;

  /** Sends status, headers and body for an open, regular file. */
  async function serveOpen(
    req: IncomingMessage,
    res: ServerResponse,
    handle: FileHandle,
    stat: Stats,
    filePath: string,
    base: OutgoingHttpHeaders,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const size = stat.size;
    const etag = makeStrongEtag(stat);
    const contentType = contentTypeFor(filePath);
    const validators: OutgoingHttpHeaders = {
      ...base,
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
      sendError(req, res, 412, VodErrorCode.PRECONDITION_FAILED, 'precondition failed', validators);
      return;
    }
    if (outcome === 'not-modified') {
      // §15.4.5 wants the validators and Cache-Control a 200 would carry; §8.6 allows the 200's
      // Content-Length. The 304 itself never has a body.
      res.writeHead(304, { ...validators, 'Content-Type': contentType, 'Content-Length': size, 'Cache-Control': cacheControl });
      res.end();
      return;
    }

    // §14.2 defines Range for GET only, but §9.3.2 asks HEAD to mirror GET's headers; the product
    // wants HEAD to predict GET exactly (players probe with it), so HEAD honours Range too.
    // A failed If-Range means "send me the whole, changed file" (§13.1.5): the Range is ignored.
    // Node joins a repeated If-Range into one string, which then parses as neither a tag nor a
    // date, so the Range is ignored; an array (only possible from a non-Node caller) likewise.
    const range = req.headers.range;
    const ifRange = req.headers['if-range'];
    const result =
      range !== undefined && !Array.isArray(ifRange) && ifRangeAllows(ifRange, etag, stat.mtimeMs)
        ? parseRangeHeader(range, size)
        : ({ kind: 'none' } as const);

    if (result.kind === 'unsatisfiable') {
      sendError(req, res, 416, VodErrorCode.RANGE_NOT_SATISFIABLE, 'range not satisfiable', {
        ...validators,
        'Content-Range': `bytes */${size}`, // §15.5.17
      });
      return;
    }
    if (result.kind === 'whole') log.debug?.('range ignored', { path: filePath, reason: result.reason });

    const cacheable = { ...validators, 'Cache-Control': cacheControl };
    // The body is built lazily so HEAD never opens a read stream it would not consume.
    let body: (() => Readable | AsyncGenerator<Buffer>) | undefined;
    if (result.kind === 'ranges' && result.ranges.length === 1) {
      const r = result.ranges[0]!;
      res.writeHead(206, {
        ...cacheable,
        'Content-Type': contentType,
        'Content-Length': r.end - r.start + 1,
        'Content-Range': `bytes ${r.start}-${r.end}/${size}`, // §14.4
      });
      body = () => handle.createReadStream({ start: r.start, end: r.end, autoClose: false, highWaterMark: READ_CHUNK_BYTES });
    } else if (result.kind === 'ranges') {
      const plan = planMultipart(result.ranges, size, contentType);
      res.writeHead(206, { ...cacheable, 'Content-Type': plan.contentType, 'Content-Length': plan.length });
      body = () => multipartBody(handle, plan);
    } else {
      res.writeHead(200, { ...cacheable, 'Content-Type': contentType, 'Content-Length': size });
      if (size > 0) body = () => handle.createReadStream({ start: 0, end: size - 1, autoClose: false, highWaterMark: READ_CHUNK_BYTES });
    }

    if (method === 'HEAD' || body === undefined) {
      res.end();
      return;
    }
    try {
      // pipeline() applies backpressure and, when the response closes early, destroys the file
      // stream (or returns the generator, which destroys the part stream), so no read lingers.
      await pipeline(body(), res);
    } catch (err) {
      if (isClientAbort(err, res)) {
        log.debug?.('client closed during body', { path: filePath });
        return;
      }
      log.warn('vod body stream failed', { path: filePath, error: String(err) });
      res.destroy(); // headers are gone: cutting the connection is the only honest signal left
    }
  }

  return async function respond(req, res, absPath, extraHeaders = {}) {
    const base = { ...corsHeaders(req.headers.origin, corsOrigins), ...extraHeaders };
    try {
      let handle: FileHandle;
      try {
        handle = await fsp.open(absPath, 'r');
      } catch (err) {
        // Deleted or replaced since the caller looked: still just "not found" for the client.
        log.debug?.('vod open failed', { error: String(err) });
        sendError(req, res, 404, VodErrorCode.NOT_FOUND, 'no such file', base);
        return;
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
          sendError(req, res, 404, VodErrorCode.NOT_FOUND, 'no such file', base);
          return;
        }
        await serveOpen(req, res, handle, stat, absPath, base);
      } finally {
        // Waits for any in-flight read, then releases the descriptor (aborted requests included).
        await handle.close().catch((err: unknown) => log.warn('vod close failed', { error: String(err) }));
      }
    } catch (err) {
      log.warn('vod responder failed', { error: String(err) });
      if (!res.headersSent) sendError(req, res, 500, VodErrorCode.INTERNAL, 'internal error', base);
      else res.destroy();
    }
  };
}

/** The plain file endpoint: method gate, media-root path check, then the responder. */
export function createVodHandler(opts: VodOptions): VodHandler {
  if (typeof opts.root !== 'string' || opts.root === '') throw new TypeError('VodOptions.root must be a non-empty path');
  const respond = createFileResponder(opts);
  const corsOrigins = [...opts.corsOrigins];
  const log = opts.log ?? stderrLog;

  return async function vodHandler(req, res, relPath) {
    if (answerNonGet(req, res, corsOrigins)) return;
    const resolved = await resolveMediaPath(opts.root, relPath);
    if (!resolved.ok) {
      if (resolved.reason === 'IO_ERROR') log.warn('vod path resolution failed', { error: String(resolved.cause) });
      sendError(req, res, 404, VodErrorCode.NOT_FOUND, 'no such file', corsHeaders(req.headers.origin, corsOrigins));
      return;
    }
    await respond(req, res, resolved.path);
  };
}
