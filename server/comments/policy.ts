/**
 * The comment rules that are not about characters (those are core/comment-text.ts, shared with
 * the browser): which comments a GET asks for, and where a new comment sits in its channel's file.
 * Pure; table-tested in test/server/comments/policy.test.ts.
 *
 * A query is either a position window, `?from=<s>&to=<s>[&limit=<n>]` (file channels: what plays
 * between two positions; the watch page asks for the next 30 s every few seconds), or, with
 * neither bound, the channel's newest comments (`?limit=<n>`; live channels, whose comments have no
 * position). A window is at most WINDOW_MAX_SEC wide so one request cannot read a whole channel's
 * history; answers hold at most `limit` comments (COMMENT_LIMIT_DEFAULT, at most COMMENT_LIMIT_MAX).
 */
import { ErrorCode } from '../core/errors.js';

/** Widest position window one GET may ask for, seconds. */
export const WINDOW_MAX_SEC = 600;
/** Comments one answer holds unless `limit` says fewer, and the most it may ask for. */
export const COMMENT_LIMIT_DEFAULT = 200;
export const COMMENT_LIMIT_MAX = 500;

export type CommentQuery =
  | { kind: 'window'; from: number; to: number; limit: number }
  | { kind: 'recent'; limit: number };

export type QueryVerdict =
  | { ok: true; query: CommentQuery }
  | { ok: false; code: typeof ErrorCode.COMMENT_BAD_WINDOW; message: string };

/** A plain decimal number (no hex, no blanks, no "Infinity"): what a position in a URL looks like. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function bad(message: string): QueryVerdict {
  return { ok: false, code: ErrorCode.COMMENT_BAD_WINDOW, message };
}

/** One query parameter: absent, a finite number, or why not. */
function numberParam(params: URLSearchParams, key: string): number | null | string {
  const all = params.getAll(key);
  if (all.length === 0) return null;
  if (all.length > 1) return `"${key}" given more than once`;
  const raw = all[0]!;
  const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  return Number.isFinite(n) ? n : `"${key}" must be a finite number`;
}

/** Reads `from`, `to` and `limit` (other parameters, e.g. cache busters, are ignored). */
export function parseCommentQuery(params: URLSearchParams): QueryVerdict {
  const from = numberParam(params, 'from');
  const to = numberParam(params, 'to');
  const limitParam = numberParam(params, 'limit');
  for (const v of [from, to, limitParam]) if (typeof v === 'string') return bad(v);
  let limit = COMMENT_LIMIT_DEFAULT;
  if (limitParam !== null) {
    if (!Number.isInteger(limitParam) || (limitParam as number) < 1 || (limitParam as number) > COMMENT_LIMIT_MAX) {
      return bad(`"limit" must be an integer from 1 to ${COMMENT_LIMIT_MAX}`);
    }
    limit = limitParam as number;
  }
  if (from === null && to === null) return { ok: true, query: { kind: 'recent', limit } };
  if (from === null || to === null) return bad('give both "from" and "to" (seconds), or neither');
  const f = from as number;
  const t = to as number;
  if (f < 0) return bad('"from" must be ≥ 0 (seconds into the file)');
  if (f > t) return bad('"from" must not be after "to"');
  if (t - f > WINDOW_MAX_SEC) return bad(`a window is at most ${WINDOW_MAX_SEC} s wide`);
  return { ok: true, query: { kind: 'window', from: f, to: t, limit } };
}

/**
 * Where a comment posted now sits: the file position of the channel's shared playhead (what every
 * in-sync viewer shows), to the millisecond; null for live channels (no `resume` point: their media
 * timeline starts over with every run, so a position would point nowhere once it has).
 */
export function commentPosition(resume: { position: number } | null): number | null {
  if (resume === null || !Number.isFinite(resume.position) || resume.position < 0) return null;
  return Math.round(resume.position * 1000) / 1000;
}
