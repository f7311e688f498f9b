/**
 * Headers every response carries, so pushcast's pages cannot be framed by another site
 * (clickjacking a dashboard's controls), do not leak their URL (which may hold `#token=` only in the
 * fragment — never sent — but also channel names) through Referer, and are not content-sniffed.
 *
 * The CSP allows only our own scripts and styles (Vite emits external module scripts), media and
 * workers from blob: (MSE's object URLs), images from data: (the empty favicon), and connections to
 * our own origin, which in CSP Level 3 includes ws:/wss: on the same host (W3C CSP3 §6.7.2.8).
 * `frame-ancestors 'self'` supersedes X-Frame-Options in current browsers; SAMEORIGIN stays for old ones.
 */
import type { ServerResponse } from 'node:http';

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** For JSON, media and errors: nothing there may run, so nothing may be framed or fetched either. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'SAMEORIGIN',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Sets the common headers and the API CSP on a response before any handler runs; the page
 * handler replaces the CSP with PAGE_CSP (see pageSecurityHeaders). With `dev` (Vite's dev server,
 * which injects inline scripts for HMR) no CSP is set.
 */
export function applySecurityHeaders(res: ServerResponse, dev: boolean): void {
  for (const [k, v] of Object.entries(COMMON_SECURITY_HEADERS)) res.setHeader(k, v);
  if (!dev) res.setHeader('Content-Security-Policy', API_CSP);
}

/** Headers a served HTML page carries. */
export function pageSecurityHeaders(dev: boolean): Record<string, string> {
  return dev ? {} : { 'Content-Security-Policy': PAGE_CSP };
}
