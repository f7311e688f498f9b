/**
 * The rules of the upload feature, pure, so they are tested as tables (test/server/upload/outcome.test.ts):
 *  - judgeProbe: is a finished upload a video we keep? (decided by ffprobe's answer, never by the
 *    client's file name or MIME type);
 *  - finishResponse: what the final PATCH answers (tus wants 204 for a PATCH, 201 for a POST that
 *    carried the whole file: the outcome of an accepted upload rides in headers and keeps that
 *    status; a refusal is an error status with the JSON error body);
 *  - sweepAction: what the periodic sweep does with one record (keep, expire, forget, finish);
 *  - listEntry: one unfinished upload as GET /api/uploads lists it.
 */
import { errorBody, ErrorCode } from '../core/errors.js';
import type { ProbeResult } from '../ffmpeg/args.js';
import { isUploadContainer, readsOtherFiles } from '../ffmpeg/containers.js';

/** Upload ids are ours (uploads.ts names them): 128 random bits in hex. Anything else is no upload. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** Response headers that carry an accepted upload's outcome (exposed to cross-origin scripts). */
export const OUTCOME_HEADERS = { channel: 'X-Pushcast-Channel', file: 'X-Pushcast-File', vod: 'X-Pushcast-Vod' } as const;

export type Verdict = { ok: true } | { ok: false; code: typeof ErrorCode.UPLOAD_NOT_VIDEO; message: string };

/**
 * A finished upload is kept when ffprobe reads it as a self-contained container (containers.ts:
 * never a playlist or a list of other files) and finds a video stream (not a cover picture:
 * parseProbeJson already skips those) and a duration: a still image is a "video" stream with no
 * duration, a truncated or random file makes ffprobe fail.
 */
export function judgeProbe(result: ProbeResult | null, error: unknown = null): Verdict {
  const refuse = (why: string): Verdict => ({ ok: false, code: ErrorCode.UPLOAD_NOT_VIDEO, message: `not a video file: ${why}` });
  if (error !== null || result === null) {
    const detail = error instanceof Error ? error.message : 'ffprobe gave no answer';
    return refuse(`ffprobe cannot read it (${detail.slice(0, 300)})`);
  }
  // First the container: a playlist or reference file may name other files on this machine.
  if (readsOtherFiles(result.container)) return refuse(`it is a ${result.container} file, which names other files or addresses`);
  if (!isUploadContainer(result.container)) return refuse(`its container (${result.container ?? 'unknown'}) is not one of the video file formats kept`);
  if (!result.video) return refuse(result.audio ? 'it has sound but no video stream' : 'it has no video stream');
  if (result.duration === null) return refuse('it has no duration (a still image?)');
  return { ok: true };
}

export type FinishOutcome =
  | { kind: 'accepted'; file: string; channel: string | null; vod: string | null }
  | { kind: 'rejected'; code: typeof ErrorCode.UPLOAD_NOT_VIDEO; message: string }
  /** The server is stopping: nothing was decided, the upload stays for the next start to finish. */
  | { kind: 'interrupted' }
  /** Moving the file failed (disk full, permissions): the upload stays, the next sweep retries. */
  | { kind: 'failed'; message: string };

export interface HookResponse {
  /** Absent: tus's own success status (204 for PATCH, 201 for POST). */
  status_code?: number;
  headers: Record<string, string>;
  body?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function errorResponse(status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}): HookResponse {
  return { status_code: status, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store', ...extra }, body: JSON.stringify(errorBody(code, message)) };
}

/** The final PATCH's answer (the onUploadFinish hook's return value). */
export function finishResponse(outcome: FinishOutcome): HookResponse {
  switch (outcome.kind) {
    case 'accepted': {
      const headers: Record<string, string> = { [OUTCOME_HEADERS.file]: encodeURIComponent(outcome.file) };
      if (outcome.channel !== null) headers[OUTCOME_HEADERS.channel] = outcome.channel;
      if (outcome.vod !== null) headers[OUTCOME_HEADERS.vod] = outcome.vod;
      return { headers };
    }
    case 'rejected':
      return errorResponse(422, outcome.code, outcome.message);
    case 'interrupted':
      return errorResponse(503, ErrorCode.UPLOAD_UNAVAILABLE, 'the server is stopping; the upload is kept and finished at the next start', { 'Retry-After': '5' });
    case 'failed':
      return errorResponse(500, ErrorCode.INTERNAL, `the upload arrived but could not be moved into the media folder: ${outcome.message.slice(0, 300)}`);
  }
}

export type SweepAction = 'keep' | 'expire' | 'forget' | 'finish';

export interface SweepInput {
  /** Declared size, null while deferred. */
  size: number | null;
  /** Creation time, ms since the epoch; null when unknown. */
  createdMs: number | null;
  /** The partial file's length now, null when there is no file. */
  fileBytes: number | null;
}

/**
 * A record without its file is forgotten; a complete upload that was never finished (the server
 * died between the last byte and the finish) is finished, even past its expiry, as every byte is
 * there; an incomplete one past `expiryMs` since creation is removed (0: never).
 */
export function sweepAction(r: SweepInput, now: number, expiryMs: number): SweepAction {
  if (r.fileBytes === null) return 'forget';
  if (r.size !== null && r.fileBytes >= r.size) return 'finish';
  if (expiryMs > 0 && (r.createdMs === null || now > r.createdMs + expiryMs)) return 'expire';
  return 'keep';
}

/** How often the sweep runs: a quarter of the expiry, between 250 ms and 10 min. */
export function sweepIntervalMs(expiryMs: number): number {
  if (expiryMs <= 0) return 10 * 60_000;
  return Math.min(10 * 60_000, Math.max(250, Math.round(expiryMs / 4)));
}

export interface UploadEntry {
  id: string;
  /** The client's name for it (its `filename` metadata), as sent; null when none. */
  filename: string | null;
  size: number | null;
  offset: number;
  /** ISO 8601. */
  created: string | null;
  /** ISO 8601; null when uploads do not expire. */
  expires: string | null;
}

/** Longest client file name echoed back in the list. */
const MAX_LISTED_NAME = 255;

export function listEntry(
  info: { id: string; size?: number; metadata?: Record<string, string | null>; creation_date?: string },
  fileBytes: number,
  expiryMs: number,
): UploadEntry {
  const createdMs = info.creation_date ? Date.parse(info.creation_date) : NaN;
  const filename = info.metadata?.['filename'] ?? null;
  return {
    id: info.id,
    filename: filename === null ? null : filename.slice(0, MAX_LISTED_NAME),
    size: info.size ?? null,
    offset: fileBytes,
    created: Number.isFinite(createdMs) ? new Date(createdMs).toISOString() : null,
    expires: Number.isFinite(createdMs) && expiryMs > 0 ? new Date(createdMs + expiryMs).toISOString() : null,
  };
}
