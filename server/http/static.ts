/**
 * Serves the built web app (Vite's output in config.webDir): the pages and their hashed assets.
 * Pages are routes, not files: `/` → index.html, `/watch/<id>` → watch.html, `/dashboard` →
 * dashboard.html, `/play/<media path>` → play.html. Hashed files under /assets/ never change, so they are cached for a year; pages
 * are revalidated every time so a rebuild shows up at once.
 *
 * `/player.js` is the embeddable player (web/src/embed, built by web/vite.embed.config.ts), loaded by
 * other sites' pages with `<script type="module">`. Module scripts are fetched in CORS mode, so it
 * carries Access-Control-Allow-Origin for the allowed origins (http/cors.ts; the same allowlist
 * decides the WebSocket upgrade it opens). Its name never changes, so it is cached briefly
 * (EMBED_MAX_AGE_SECONDS) and revalidated by ETag after that.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { corsHeaders } from './cors.js';
import { makeStrongEtag, parseEntityTagList, weakMatch, parseEntityTag } from './etag.js';
import { resolveMediaPath } from './safe-path.js';
import { PAGE_CSP } from './security-headers.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The embeddable player's file in webDir and its path. */
export const EMBED_SCRIPT = 'player.js';
/** How long a browser may use /player.js without asking again, s: a rebuild reaches embeds within this. */
export const EMBED_MAX_AGE_SECONDS = 300;

/** Maps a page route to its HTML file; null when the path is not a page. */
export function pageFor(pathname: string): string | null {
  if (pathname === '/' || pathname === '/index.html') return 'index.html';
  if (/^\/watch\/[^/]+\/?$/.test(pathname) || pathname === '/watch.html') return 'watch.html';
  if (pathname === '/dashboard' || pathname === '/dashboard/' || pathname === '/dashboard.html') return 'dashboard.html';
  // Any path below /play/ is the same page: its script reads the path and asks /vod/, which checks it.
  if (/^\/play\/./.test(pathname) || pathname === '/play.html') return 'play.html';
  return null;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;

/**
 * Returns a handler that answers GET/HEAD for pages and assets and resolves true, or resolves
 * false (sending nothing) when the path is not one of its files, so the caller can 404.
 */
export function createStaticHandler(webDir: string, { corsOrigins = [] }: { corsOrigins?: readonly string[] } = {}): StaticHandler {
  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const page = pageFor(pathname);
    const rel = page ?? pathname.replace(/^\/+/, '');
    const resolved = await resolveMediaPath(webDir, rel);
    if (!resolved.ok) return false;
    const { stat } = resolved;
    const etag = makeStrongEtag(stat);
    const immutable = rel.startsWith('assets/');
    const embed = rel === EMBED_SCRIPT;
    const headers = {
      ETag: etag,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : embed ? `public, max-age=${EMBED_MAX_AGE_SECONDS}` : 'no-cache',
      ...(embed ? corsHeaders(req.headers.origin, corsOrigins) : {}),
      'X-Content-Type-Options': 'nosniff',
      // Pages run our scripts: they get the page policy (server.ts sets the stricter API one first).
      ...(page ? { 'Content-Security-Policy': PAGE_CSP } : {}),
    };
    const inm = req.headers['if-none-match'];
    const tags = inm === undefined ? undefined : parseEntityTagList(inm);
    const current = parseEntityTag(etag);
    if (tags === '*' || (Array.isArray(tags) && current && tags.some((t) => weakMatch(t, current)))) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[path.extname(resolved.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
    });
    if (req.method === 'HEAD' || stat.size === 0) {
      res.end();
      return true;
    }
    try {
      await pipeline(createReadStream(resolved.path), res);
    } catch {
      // The client went away mid-body; pipeline() already closed the file.
      res.destroy();
    }
    return true;
  };
}
