/**
 * What the process does with an error nobody caught. Node's default is to die, which turns any
 * missed error listener into a remote kill switch (issue 9, fix-first 1). Dying is still right when
 * our own state may be corrupt, so the policy tells the two apart:
 *   - a network error of one peer (reset, broken pipe, a stream written after it closed) is local
 *     to that connection: log it with its stack as the bug it is (a missing handler) and keep serving;
 *   - an unhandled promise rejection is logged and served through: our promises guard one request
 *     or one channel start each, and the owner has already moved on;
 *   - anything else (TypeError, RangeError, an assertion …) may have left shared state half
 *     changed: shut down gracefully and exit non-zero, so a supervisor restarts a clean process.
 * `classifyUncaught` is pure; `installProcessGuard` is the I/O.
 */
import type { Logger } from './log.js';

/** Error codes that belong to one peer's connection, never to the server's own state. */
export const PEER_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ECONNREFUSED', 'EAI_AGAIN', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_WRITE_AFTER_END', 'ERR_SOCKET_CLOSED', 'HPE_INVALID_METHOD', 'HPE_HEADER_OVERFLOW',
]);

export type UncaughtVerdict = 'continue' | 'exit';

export function classifyUncaught(kind: 'exception' | 'rejection', err: unknown): UncaughtVerdict {
  if (kind === 'rejection') return 'continue';
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && PEER_ERROR_CODES.has(code) ? 'continue' : 'exit';
}

export interface GuardOptions {
  log: Logger;
  /** Graceful shutdown with an exit code, for the errors that are not safe to serve through. */
  fatal: (code: number) => void;
}

export function installProcessGuard({ log, fatal }: GuardOptions): () => void {
  const onException = (err: unknown): void => {
    const verdict = classifyUncaught('exception', err);
    log.error(verdict === 'continue' ? 'uncaught peer error (a missing error handler): serving on' : 'uncaught exception: shutting down', {
      error: err instanceof Error ? err.stack ?? err.message : String(err),
      code: (err as { code?: unknown } | null)?.code ?? null,
    });
    if (verdict === 'exit') fatal(1);
  };
  const onRejection = (reason: unknown): void => {
    log.error('unhandled promise rejection: serving on', { error: reason instanceof Error ? reason.stack ?? reason.message : String(reason) });
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
