/**
 * Pure evaluation of conditional request headers (RFC 9110 §13) for a file that exists.
 *
 * Preconditions are evaluated in the order of §13.2.2, and all of them before Range, so a
 * client revalidating a cached copy gets 304 rather than 206, and a failed If-Match gets 412
 * even when a Range is present.
 */
import { parseEntityTag, parseEntityTagList, strongMatch, weakMatch } from './etag.js';
import type { EntityTag } from './etag.js';
import { parseHttpDate, toHttpSeconds } from './http-date.js';

export interface Validators {
  /** The current strong ETag, quoted, as sent in the ETag header. */
  etag: string;
  /** File modification time in epoch milliseconds (Last-Modified is this, to the second). */
  lastModifiedMs: number;
}

/** Raw header values as Node gives them (`req.headers['if-match']` …). */
export interface ConditionalHeaders {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

/** `proceed` → go on to Range handling; the others are final answers (304, 412). */
export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

function currentTag(etag: string): EntityTag {
  const tag = parseEntityTag(etag);
  if (!tag || tag.weak) throw new TypeError(`current ETag must be a strong entity-tag, got ${etag}`);
  return tag;
}

/** If-Match (§13.1.1): true for `*` (the file exists) or a strongly matching tag. */
function ifMatchHolds(value: string, current: EntityTag): boolean {
  const list = parseEntityTagList(value);
  if (list === '*') return true;
  // A malformed list matches nothing: a broken precondition must not let the request through.
  if (!list) return false;
  return list.some((t) => strongMatch(t, current));
}

/** If-None-Match (§13.1.2): false for `*` (the file exists) or a weakly matching tag. */
function ifNoneMatchHolds(value: string, current: EntityTag): boolean {
  const list = parseEntityTagList(value);
  if (list === '*') return false;
  // A malformed list matches nothing, so the condition holds and the client gets the full
  // response, which is always safe for GET.
  if (!list) return true;
  return !list.some((t) => weakMatch(t, current));
}

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order of
 * §13.2.2. Date fields that are not valid HTTP-dates are ignored (§13.1.3, §13.1.4).
 */
export function evaluatePreconditions(
  method: string,
  headers: ConditionalHeaders,
  current: Validators,
): PreconditionOutcome {
  const tag = currentTag(current.etag);
  const lastModified = toHttpSeconds(current.lastModifiedMs);
  const isGetOrHead = method === 'GET' || method === 'HEAD';

  // Step 1: If-Match; step 2: If-Unmodified-Since only when If-Match is absent.
  if (headers.ifMatch !== undefined) {
    if (!ifMatchHolds(headers.ifMatch, tag)) return 'precondition-failed';
  } else if (headers.ifUnmodifiedSince !== undefined) {
    const date = parseHttpDate(headers.ifUnmodifiedSince);
    if (date !== undefined && lastModified > toHttpSeconds(date)) return 'precondition-failed';
  }

  // Step 3: If-None-Match; step 4: If-Modified-Since only when If-None-Match is absent.
  if (headers.ifNoneMatch !== undefined) {
    if (!ifNoneMatchHolds(headers.ifNoneMatch, tag)) {
      return isGetOrHead ? 'not-modified' : 'precondition-failed';
    }
  } else if (isGetOrHead && headers.ifModifiedSince !== undefined) {
    const date = parseHttpDate(headers.ifModifiedSince);
    if (date !== undefined && lastModified <= toHttpSeconds(date)) return 'not-modified';
  }
  return 'proceed';
}

/**
 * If-Range (§13.1.5): whether the Range header may be honoured. True when there is no If-Range;
 * otherwise only for a strong ETag identical to the current one, or an HTTP-date exactly equal
 * to Last-Modified. Weak tags never match (If-Range needs the strong comparison).
 *
 * A date is only a strong validator when the file was last modified at least one second before
 * now (§8.8.2.2): a second write within the same second would keep the same Last-Modified, so a
 * range stitched onto the old bytes could be corrupt. `nowMs` is injectable for tests.
 */
export function ifRangeAllows(
  ifRange: string | undefined,
  etag: string,
  lastModifiedMs: number,
  nowMs: number = Date.now(),
): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  // §13.1.5: an entity-tag is told apart from a date by a DQUOTE in the first three characters.
  if (value.slice(0, 3).includes('"')) {
    const given = parseEntityTag(value);
    return given !== undefined && strongMatch(given, currentTag(etag));
  }
  const date = parseHttpDate(value, nowMs);
  if (date === undefined) return false;
  const lastModified = toHttpSeconds(lastModifiedMs);
  return toHttpSeconds(date) === lastModified && lastModified < toHttpSeconds(nowMs);
}
