/**
 * The VOD routes the app mounts:
 *   /vod/<path>             the file (or, for an MP4 with moov at the end, its faststart copy)
 *   /vod/<path>?format=mp4  an MP4 a browser plays progressively (remuxed / transcoded copy)
 *   GET /api/media          the files, their codecs, layout and best playback URL
 *
 * Copies are made in the background by DerivedCache. While a faststart copy is being made the
 * original is served (it is valid MP4, only slower to start); while a ?format=mp4 copy is being
 * made the answer is 202 with Retry-After, since there is nothing MP4 to send yet.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { corsHeaders } from '../http/cors.js';
import { sendError, sendJson } from '../http/error-body.js';
import { makeStrongEtag } from '../http/etag.js';
import { resolveMediaPath } from '../http/safe-path.js';
import { answerNonGet, createFileResponder } from '../http/vod.js';
import { ErrorCode } from '../core/errors.js';
import type { VodHandler, VodLogger } from '../http/vod.js';
import { DerivedCache } from './derived-cache.js';
import type { DerivedState } from './derived-cache.js';
import { createFfmpegRunner } from './ffmpeg-job.js';
import type { FfmpegRunner } from './ffmpeg-job.js';
import { describeFile, InfoCache } from './describe.js';
import { durationOf } from './media-info.js';
import { listMediaFiles } from '../library/media-library.js';

/** Codes specific to generated copies (defined in core/errors.ts), in the same `{ error: { code } }` shape. */
export const VodRouteCode = {
  /** 202: the requested copy is being generated; retry after Retry-After seconds. */
  PREPARING: ErrorCode.VOD_PREPARING,
  DERIVE_FAILED: ErrorCode.VOD_DERIVE_FAILED,
  BAD_FORMAT: ErrorCode.VOD_BAD_FORMAT,
  NO_MP4: ErrorCode.VOD_NO_MP4,
} as const;

/** Response header naming the bytes served: original, faststart, remux or transcode. */
export const VARIANT_HEADER = 'X-Pushcast-Variant';

export interface VodRoutesOptions {
  /** Media directory (config.mediaDir). */
  root: string;
  /** Where generated copies go (config.cacheDir); created on first use. */
  cacheDir: string;
  /** Cache-Control for file responses (config.vodCacheControl). */
  cacheControl: string;
  /** CORS allowlist (config.corsOrigins). */
  corsOrigins: string[];
  ffmpegPath: string;
  /** null: no probing; MP4s are trusted as H.264/AAC and other files are transcoded. */
  ffprobePath: string | null;
  log?: VodLogger & { info?(msg: string, fields?: Record<string, unknown>): void };
  /** Seconds a 202 asks the client to wait before polling again. */
  retryAfterSec?: number;
  /** ffmpeg jobs at once. */
  deriveConcurrency?: number;
  /** ms before a failed copy is attempted again. */
  retryFailedAfterMs?: number;
  /** Replaces the real ffmpeg runner (tests of the failure path). */
  runFfmpeg?: FfmpegRunner;
}

export interface VodRoutes {
  /** Mount for every path under /vod/; `relPath` is the raw, percent-encoded rest, no query. */
  vod: VodHandler;
  /** Mount for GET /api/media. */
  mediaApi(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Stops background ffmpeg jobs and waits for them to exit. */
  close(): Promise<void>;
}

/** `?format=` from a request URL: null when absent, the value otherwise. */
export function formatParam(url: string | undefined): string | null {
  const q = (url ?? '').indexOf('?');
  if (q === -1) return null;
  return new URLSearchParams((url ?? '').slice(q + 1)).get('format');
}

export function createVodRoutes(opts: VodRoutesOptions): VodRoutes {
  const log = opts.log ?? { warn: (msg, f) => process.stderr.write(`warn [vod] ${msg} ${JSON.stringify(f ?? {})}\n`) };
  const respond = createFileResponder({ cacheControl: opts.cacheControl, corsOrigins: opts.corsOrigins, log });
  const corsOrigins = [...opts.corsOrigins];
  const retryAfterSec = opts.retryAfterSec ?? 2;
  const cache = new DerivedCache({
    cacheDir: path.resolve(opts.cacheDir),
    run: opts.runFfmpeg ?? createFfmpegRunner(opts.ffmpegPath),
    ...(opts.deriveConcurrency !== undefined && { concurrency: opts.deriveConcurrency }),
    ...(opts.retryFailedAfterMs !== undefined && { retryFailedAfterMs: opts.retryFailedAfterMs }),
    log,
  });
  const infos = new InfoCache(opts.ffprobePath);

  const cors = (req: IncomingMessage) => corsHeaders(req.headers.origin, corsOrigins);
  const variant = (v: string) => ({ [VARIANT_HEADER]: v });

  /** 202 while pending, 500 on failure; false when the copy is ready and was not answered. */
  function answerNotReady(req: IncomingMessage, res: ServerResponse, state: DerivedState, kind: string): boolean {
    if (state.state === 'pending' || state.state === 'absent') {
      // The error shape with the variant (and how far the copy is) as details: one body shape for
      // every non-200 answer. `progress` is 0–1, `etaSec` the time still to go, null when unknown.
      const progress = state.state === 'pending' ? state.progress ?? null : null;
      const how = progress ? ` (${Math.floor(progress.fraction * 100)} %${progress.etaSec !== null ? `, about ${progress.etaSec} s left` : ''})` : '';
      sendError(req, res, 202, VodRouteCode.PREPARING, `an MP4 copy (${kind}) is being prepared${how}`, {
        ...cors(req),
        'Retry-After': String(retryAfterSec),
      }, { variant: kind, progress: progress?.fraction ?? null, etaSec: progress?.etaSec ?? null });
      return true;
    }
    if (state.state === 'failed') {
      const tail = state.stderrTail ? `: ${state.stderrTail.split('\n').slice(-5).join(' | ')}` : '';
      sendError(req, res, 500, VodRouteCode.DERIVE_FAILED, `${state.code}: ${state.message}${tail}`, cors(req));
      return true;
    }
    return false;
  }

  const vod: VodHandler = async (req, res, relPath) => {
    if (answerNonGet(req, res, corsOrigins)) return;
    const format = formatParam(req.url);
    if (format !== null && format !== 'mp4') {
      sendError(req, res, 400, VodRouteCode.BAD_FORMAT, 'format must be mp4', cors(req));
      return;
    }
    const resolved = await resolveMediaPath(opts.root, relPath);
    if (!resolved.ok) {
      if (resolved.reason === 'IO_ERROR') log.warn('vod path resolution failed', { error: String(resolved.cause) });
      sendError(req, res, 404, ErrorCode.NOT_FOUND, 'no such file', cors(req));
      return;
    }
    const source = resolved.path;
    const sourceEtag = makeStrongEtag(resolved.stat);
    let described;
    try {
      // The plain URL needs only the box walk; ?format=mp4 needs the codecs too.
      described = await infos.get(source, resolved.stat, format === 'mp4');
    } catch (err) {
      log.warn('vod inspect failed', { path: source, error: String(err) });
      await respond(req, res, source, variant('original'));
      return;
    }
    const { plan } = described;
    const wanted = format === 'mp4' ? plan.mp4 : plan.plain;
    if (wanted === null) {
      sendError(req, res, 404, VodRouteCode.NO_MP4, 'no MP4 can be made from this file', cors(req));
      return;
    }
    if (wanted === 'original') {
      await respond(req, res, source, variant('original'));
      return;
    }
    const durationSec = durationOf(described.info);
    const state = await cache.ensure({ source, sourceEtag, kind: wanted, codecs: plan.codecs, durationSec });
    if (state.state === 'ready') {
      await respond(req, res, state.path, variant(wanted));
      return;
    }
    // The original MP4 is a valid (slow-starting) answer while its faststart copy is made.
    if (wanted === 'faststart') {
      await respond(req, res, source, variant('original'));
      return;
    }
    answerNotReady(req, res, state, wanted);
  };

  async function mediaApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, 'method not allowed', { ...cors(req), Allow: 'GET, HEAD' });
      return;
    }
    try {
      let cacheReal: string[] = [];
      try {
        cacheReal = [realpathSync(opts.cacheDir)];
      } catch {
        // no cache dir yet: nothing to exclude
      }
      const files = await listMediaFiles(opts.root, { exclude: cacheReal });
      const out = [];
      // Two probes at a time: enough to list a folder quickly without starving live channels.
      for (let i = 0; i < files.length; i += 2) {
        out.push(...(await Promise.all(files.slice(i, i + 2).map((f) => describeFile(f, infos, cache)))));
      }
      sendJson(req, res, 200, { files: out }, cors(req));
    } catch (err) {
      log.warn('media listing failed', { error: String(err) });
      sendError(req, res, 500, ErrorCode.INTERNAL, 'cannot list media', cors(req));
    }
  }

  return { vod, mediaApi, close: () => cache.close() };
}
