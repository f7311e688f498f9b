/**
 * CORS headers for the file endpoint (WHATWG Fetch §3.2, "CORS protocol"). Pure: the handler
 * passes the request Origin and gets back the headers to set.
 *
 * Allowlist semantics: `['*']` allows every origin with a literal `*` (no credentials, which media
 * does not need); otherwise origins are compared exactly (scheme://host[:port], as browsers send
 * them) and a match is echoed back. Whenever the answer depends on Origin we send `Vary: Origin`
 * (RFC 9110 §12.5.5) — also on a refusal — so a shared cache never hands one origin's answer to
 * another.
 */

export const CORS_ALLOW_METHODS = 'GET, HEAD, OPTIONS';
/** Request headers a player sends for seeking and revalidation; Range is not CORS-safelisted. */
export const CORS_ALLOW_HEADERS =
  'Range, If-Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since';
/**
 * Response headers a script (MSE player) must read; none of these is CORS-safelisted.
 * Retry-After paces polling on a 202 while a copy is generated; X-Pushcast-Variant says whether
 * the bytes are the original file or a generated copy (see server/vod/routes.ts).
 */
export const CORS_EXPOSE_HEADERS = 'Content-Range, Accept-Ranges, Content-Length, ETag, Retry-After, X-Pushcast-Variant';
/** Preflight cache lifetime in seconds; Chromium caps it at 7200 anyway. */
export const CORS_MAX_AGE_SECONDS = 7200;

/** Throws a TypeError for an allowlist that cannot mean what the operator intended. */
export function validateCorsOrigins(origins: readonly string[]): void {
  if (origins.includes('*') && origins.length > 1) {
    throw new TypeError("corsOrigins: '*' cannot be combined with explicit origins");
  }
  for (const o of origins) {
    if (o === '*' || o === 'null') continue;
    let url: URL;
    try {
      url = new URL(o);
    } catch (err) {
      throw new TypeError(`corsOrigins: ${JSON.stringify(o)} is not an origin`, { cause: err });
    }
    // Browsers send the serialized origin; anything else (a path, a trailing slash) never matches.
    if (url.origin !== o) {
      throw new TypeError(`corsOrigins: ${JSON.stringify(o)} is not a serialized origin (expected ${url.origin})`);
    }
  }
}

function isAllowed(origin: string | undefined, allow: readonly string[]): 'any' | 'echo' | false {
  if (allow.length === 1 && allow[0] === '*') return 'any';
  return origin !== undefined && allow.includes(origin) ? 'echo' : false;
}

/** Headers for an actual (non-preflight) response. */
export function corsHeaders(origin: string | undefined, allow: readonly string[]): Record<string, string> {
  const verdict = isAllowed(origin, allow);
  if (verdict === 'any') {
    return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS };
  }
  if (allow.length === 0) return {};
  if (verdict === 'echo' && origin !== undefined) {
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS,
      Vary: 'Origin',
    };
  }
  return { Vary: 'Origin' };
}

/**
 * What the HTTP API (not /vod/) lets a cross-origin script do: read, POST commands / comments, DELETE
 * with a token, and speak tus at /api/uploads (PATCH and the tus request headers; the tus responses
 * list their own Access-Control-Expose-Headers: Location, Upload-Offset, Upload-Expires …).
 */
export const API_CORS = {
  methods: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
  headers: 'Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Defer-Length, Upload-Offset, Upload-Metadata, Upload-Concat, X-Requested-With, X-HTTP-Method-Override',
} as const;

/** Headers for a preflight (OPTIONS) response; without a match only `Vary` is set. */
export function preflightHeaders(
  origin: string | undefined,
  allow: readonly string[],
  methods: string = CORS_ALLOW_METHODS,
  requestHeaders: string = CORS_ALLOW_HEADERS,
): Record<string, string> {
  const verdict = isAllowed(origin, allow);
  const base: Record<string, string> = allow.length > 0 && verdict !== 'any' ? { Vary: 'Origin' } : {};
  if (!verdict || origin === undefined) return base;
  return {
    ...base,
    'Access-Control-Allow-Origin': verdict === 'any' ? '*' : origin,
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': requestHeaders,
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}
