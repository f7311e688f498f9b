/**
 * `/healthz` and `/readyz`, the probes an orchestrator (or a person with curl) asks:
 *   /healthz  200 `{ ok: true }` whenever the process answers HTTP at all (liveness);
 *   /readyz   200 `{ ok: true, checks }` when it can serve channels (ffmpeg is executable, the
 *             media folder readable), else 503 `{ ok: false, checks }` (readiness).
 * The checks are injected, so the policy (`readiness`) is a pure function of their results and
 * the file-system probes (`executableCheck`, `readableDirCheck`) are small shells tested apart.
 * Check details carry error codes (ENOENT, EACCES, timeout), never paths: the endpoints are public.
 */
import { constants } from 'node:fs';
import { access, opendir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../core/errors.js';
import { sendError, sendJson } from '../http/error-body.js';

export interface CheckResult {
  ok: boolean;
  /** Why not, as a short code (ENOENT, EACCES, ENOTDIR, timeout …). */
  error?: string;
}
export type Check = () => CheckResult | Promise<CheckResult>;

export interface HealthResponse {
  status: 200 | 503;
  body: { ok: boolean; checks?: Record<string, CheckResult> };
}

/**
 * A check slower than this counts as failed, ms: a media folder on a hung network mount must
 * not hang the probe (orchestrators time probes out after 1 s by default).
 */
export const CHECK_TIMEOUT_MS = 800;

export function liveness(): HealthResponse {
  return { status: 200, body: { ok: true } };
}

/** Ready when every check passed; the body lists each check either way. */
export function readiness(results: Record<string, CheckResult>): HealthResponse {
  const ok = Object.values(results).every((r) => r.ok);
  return { status: ok ? 200 : 503, body: { ok, checks: results } };
}

/** Runs one check, turning a throw into `{ ok: false }` and a slow one into `timeout`. */
export async function runCheck(check: Check, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: 'timeout' }), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch (err) {
    return { ok: false, error: errorCode(err) };
  } finally {
    clearTimeout(timer);
  }
}

export async function runChecks(checks: Record<string, Check>, timeoutMs = CHECK_TIMEOUT_MS): Promise<Record<string, CheckResult>> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((n) => runCheck(checks[n] as Check, timeoutMs)));
  return Object.fromEntries(names.map((n, i) => [n, results[i] as CheckResult]));
}

/** A Node error's code (ENOENT …), or a generic word: messages would carry paths. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'failed';
}

/** Passes when `file` exists and this process may execute it (the ffmpeg binary). */
export function executableCheck(file: string): Check {
  return async () => {
    await access(file, constants.X_OK);
    return { ok: true };
  };
}

/** Passes when `dir` is a directory this process can list (the media folder). */
export function readableDirCheck(dir: string): Check {
  return async () => {
    const handle = await opendir(dir);
    await handle.close();
    return { ok: true };
  };
}

export interface HealthRoutes {
  /** `GET|HEAD /healthz`. */
  healthz(req: IncomingMessage, res: ServerResponse): void;
  /** `GET|HEAD /readyz`. */
  readyz(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** The two handlers over a set of readiness checks, e.g. `{ ffmpeg: executableCheck(path), media: readableDirCheck(dir) }`. */
export function createHealthRoutes(checks: Record<string, Check>, timeoutMs = CHECK_TIMEOUT_MS): HealthRoutes {
  return {
    healthz(req, res) {
      send(req, res, liveness());
    },
    async readyz(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, null);
      send(req, res, readiness(await runChecks(checks, timeoutMs)));
    },
  };
}

/** JSON never cached (a probe must see now); null → 405. */
function send(req: IncomingMessage, res: ServerResponse, result: HealthResponse | null): void {
  if (!result || (req.method !== 'GET' && req.method !== 'HEAD')) {
    sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, `${req.method ?? ''} is not allowed here`, { Allow: 'GET, HEAD' });
    return;
  }
  sendJson(req, res, result.status, result.body);
}
