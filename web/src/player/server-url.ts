/**
 * Where the player's requests go. By default (`server` null) to the page's own origin: relative
 * paths for HTTP (`/api/…`, `/vod/…`) and ws(s)://<page host>/ws, so the pages pushcast serves and
 * Vite's dev server work as they always did. An embedded player (web/src/embed) names another
 * server: `https://host:8080` → `https://host:8080/api/…` and `wss://host:8080/ws`.
 *
 * The base is an origin, not a prefix: pushcast answers at the root of its port (`/ws`, `/api/`,
 * `/vod/`), so a path in it could only be a mistake and is refused up front. Pure.
 */

/**
 * `server` as a serialized origin (`https://host:8080`, no trailing slash); TypeError for anything
 * that is not an http(s) origin (a path, a query, credentials, another scheme, not a URL at all).
 */
export function normalizeServerBase(server: string): string {
  let url: URL;
  try {
    url = new URL(server.trim());
  } catch {
    throw new TypeError(`player: server must be an http(s) origin like https://host:8080, got ${JSON.stringify(server)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`player: server must use http: or https:, got ${JSON.stringify(server)}`);
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new TypeError(`player: server must be an origin (scheme://host[:port]) without path, query or credentials, got ${JSON.stringify(server)}`);
  }
  return url.origin;
}

/** The URL of server path `path` (`/api/media`, `/vod/a.mp4`): relative without a base. */
export function serverHttpUrl(server: string | null, path: string): string {
  return server === null ? path : new URL(path, `${server}/`).href;
}

/** The WebSocket URL: `/ws` on the base, or on the page's host (same scheme family as the page). */
export function serverSocketUrl(server: string | null, page: Pick<Location, 'protocol' | 'host'>): string {
  if (server === null) return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}/ws`;
  const url = new URL(server);
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}/ws`;
}
