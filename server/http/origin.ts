/**
 * Which web origins may talk to this server. One allowlist (config `allowedOrigins`) decides both
 * the WebSocket upgrade and CORS on every HTTP route, so a page on another site can neither pull a
 * channel's media through a hijacked socket (cross-site WebSocket hijacking: browsers send cookies
 * and no CORS check on `new WebSocket()`) nor drive open-control channels with a simple POST.
 *
 * Rules, in order (pure; the server passes the request's Origin and Host headers):
 *   - no Origin header: not a browser page (curl, ffmpeg, a server) → allowed; it could not be a
 *     victim's browser, and such a client can send any Origin it likes anyway;
 *   - the server's own origin (Origin's host:port equals the Host header) → allowed;
 *   - `['*']` → any origin; otherwise an exact match of the serialized origin (RFC 6454 §6.2) —
 *     `null` (sandboxed frames, file:) only when listed.
 * The scheme is not compared for same-origin: behind a TLS-terminating proxy the page is https while
 * we see plain http, and the host is what an attacker cannot fake from a victim's browser.
 */

export type OriginVerdict = 'no-origin' | 'same-origin' | 'allowed' | 'forbidden';

/** Host and port of a serialized origin, lowercased, default ports made explicit; null if not one. */
function originHost(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`.toLowerCase();
  } catch {
    return null;
  }
}

/** The Host header as host:port with the default port made explicit (http: 80, https: 443). */
function hostHeader(host: string, secure: boolean): string | null {
  const h = host.trim().toLowerCase();
  if (h === '' || /[\s/@?#]/.test(h)) return null;
  // [::1]:8080, [::1], name:8080, name
  const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return null;
  return `${m[1]}:${m[2] ?? (secure ? '443' : '80')}`;
}

export function judgeOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowlist: readonly string[],
  secure = false,
): OriginVerdict {
  if (origin === undefined) return 'no-origin';
  if (allowlist.length === 1 && allowlist[0] === '*') return 'allowed';
  if (allowlist.includes(origin)) return 'allowed';
  const own = host !== undefined ? hostHeader(host, secure) : null;
  const theirs = originHost(origin);
  if (own !== null && theirs !== null) {
    // Same host and port, whichever the scheme (see above). A page served through a proxy on the
    // standard port of the other scheme is covered by listing it in allowedOrigins.
    if (own === theirs) return 'same-origin';
    const [ownName, ownPort] = splitHostPort(own);
    const [theirName, theirPort] = splitHostPort(theirs);
    if (ownName === theirName && (ownPort === theirPort || (ownPort === '80' && theirPort === '443'))) return 'same-origin';
  }
  return 'forbidden';
}

function splitHostPort(hp: string): [string, string] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), hp.slice(i + 1)];
}

/** True unless the verdict refuses the request. */
export function originAllowed(v: OriginVerdict): boolean {
  return v !== 'forbidden';
}
