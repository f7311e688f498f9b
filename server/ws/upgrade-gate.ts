/**
 * Admission of WebSocket upgrades, before ws sees them. An upgrade socket is a raw TCP socket that
 * Node hands over without any error listener: a client that resets it while we answer used to
 * crash the process (issue 9, fix-first 1). So the very first thing done with it is to attach one.
 *
 * Checks, in order, each refused with a plain HTTP response and the JSON error body:
 *   shutting down            503 SHUTTING_DOWN
 *   path other than /ws      404 NOT_FOUND          (dev mode: left to Vite's HMR socket)
 *   Origin not allowed       403 ORIGIN_FORBIDDEN   (cross-site WebSocket hijacking; http/origin.ts)
 *   too many from this IP    429 TOO_MANY_CONNECTIONS
 * `decide` is pure; `refuse` is the only I/O.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, httpStatusOf } from '../core/errors.js';
import { errorBody } from '../http/error-body.js';
import { judgeOrigin } from '../http/origin.js';
import { COMMON_SECURITY_HEADERS } from '../http/security-headers.js';

export type UpgradeDecision =
  | { ok: true; ip: string }
  | { ok: false; status: number; code: ErrorCode; message: string; pass?: boolean };

export interface UpgradeContext {
  closing: boolean;
  dev: boolean;
  allowedOrigins: readonly string[];
  maxConnectionsPerIp: number;
  /** Open WebSockets per client address right now. */
  connectionsFrom: (ip: string) => number;
}

/** One key per client address: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as the IPv4 address. */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** A refusal whose HTTP status is the registry's for `code` (core/errors.ts). */
function refusal(code: ErrorCode, message: string, pass?: boolean): UpgradeDecision {
  return { ok: false, status: httpStatusOf(code) ?? 400, code, message, ...(pass !== undefined ? { pass } : {}) };
}

export function decideUpgrade(req: IncomingMessage, ctx: UpgradeContext): UpgradeDecision {
  if (ctx.closing) return refusal(ErrorCode.SHUTTING_DOWN, 'the server is shutting down');
  const rawPath = (req.url ?? '/').split('?', 1)[0];
  if (rawPath !== '/ws') {
    // Vite's HMR socket (dev mode) upgrades on its own path and handles itself.
    return refusal(ErrorCode.NOT_FOUND, 'WebSockets are served at /ws', ctx.dev);
  }
  const origin = req.headers.origin;
  if (judgeOrigin(origin, req.headers.host, ctx.allowedOrigins) === 'forbidden') {
    return refusal(ErrorCode.ORIGIN_FORBIDDEN, 'this origin may not open the WebSocket (allowedOrigins)');
  }
  const ip = clientKey(req.socket.remoteAddress);
  if (ctx.connectionsFrom(ip) >= ctx.maxConnectionsPerIp) {
    return refusal(ErrorCode.TOO_MANY_CONNECTIONS, `at most ${ctx.maxConnectionsPerIp} WebSockets per address`);
  }
  return { ok: true, ip };
}

const REASONS: Readonly<Record<number, string>> = { 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Answers a refused upgrade and closes the socket; safe on a socket the peer already reset. */
export function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(code, message));
  const headers = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    ...Object.entries(COMMON_SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
    ...(status === 429 || status === 503 ? ['Retry-After: 5'] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  // A peer that never reads would keep the socket half-open: give it a moment, then drop it.
  setTimeout(() => socket.destroy(), 2_000).unref();
}
