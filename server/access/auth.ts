/**
 * Who may control a channel. A controller proves itself with the control token (config
 * `controlToken` or env CONTROL_TOKEN; generated at startup when unset). Tokens are compared in
 * constant time and never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Role = 'viewer' | 'controller';

/** A random 128-bit token, URL-safe, for when the operator configured none. */
export function generateToken(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Constant-time comparison. Both sides are hashed first so the comparison time does not depend
 * on where they differ nor reveal the token's length.
 */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token from an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(header);
  return m?.[1] ?? null;
}

export function roleFor(token: string | null | undefined, controlToken: string): Role {
  return tokenMatches(token, controlToken) ? 'controller' : 'viewer';
}
