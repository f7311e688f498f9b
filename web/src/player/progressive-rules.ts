/**
 * The rules of the progressive fallback (progressive.ts), kept apart from the controller that plays
 * it: its options, where a file channel is now (`channelPositionAt`), which URL the <video> gets
 * (`chooseVodUrl`), how long to wait on a 202 (`retryAfterMs`), whether to fall back at all
 * (`decideFallback`), all pure; and the one HTTP look-up the decision needs (`probeChannel`).
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { foldPosition } from '../../../server/core/playhead.js';
import { readErrorBody } from '../../../server/core/errors.js';
import { PlayerErrorCode, describeError, type PlayerError } from './errors.js';
import { serverHttpUrl } from './server-url.js';

export interface ProgressiveOptions {
  /** WebSocket connections in a row that fail before a file channel falls back (Player). */
  socketFailures: number;
  /** ms between polls of a copy being prepared when the 202 carries no Retry-After (ProgressivePlayback). */
  pollDefaultMs: number;
  /** ms; upper bound of one poll wait, whatever Retry-After asks (ProgressivePlayback). */
  pollMaxMs: number;
  /** ms; a copy not ready by then is given up on (VOD_UNAVAILABLE) (ProgressivePlayback). */
  prepareTimeoutMs: number;
}

export const DEFAULT_PROGRESSIVE_OPTIONS: Readonly<ProgressiveOptions> = {
  socketFailures: 3,
  pollDefaultMs: 2000,
  pollMaxMs: 10_000,
  prepareTimeoutMs: 15 * 60_000,
};

/** The message a viewer without MSE sees on a live (or test) channel. */
export const LIVE_NO_MSE_MESSAGE = 'This browser cannot play live channels (no Media Source Extensions)';

// ---- pure parts ------------------------------------------------------------------------------

/**
 * Seconds into the file where the channel is at server time `serverNowMs`: `position` advanced by
 * the time since `positionAt` while it plays and runs, folded into [0, duration) because file
 * channels loop. A channel that is not running (idle: nobody watches over WebSocket) stands still
 * at `position`, where its next run resumes, whatever `playing` says.
 * `durationSec` is the channel's duration, or the file's as the <video> reports it (the server only
 * knows it once the channel has run); without one the position is only kept ≥ 0.
 */
export function channelPositionAt(
  info: Pick<ChannelInfo, 'position' | 'positionAt' | 'playing' | 'status'>,
  serverNowMs: number,
  durationSec: number | null,
): number {
  const moving = info.playing && info.status === 'running';
  const elapsedSec = moving ? Math.max(0, serverNowMs - info.positionAt) / 1000 : 0;
  return Math.max(0, foldPosition((info.position ?? 0) + elapsedSec, durationSec));
}

/** One file of `GET /api/media` (server/vod/describe.ts MediaEntry), only the fields used here. */
export interface MediaListEntry {
  url: string;
  /** The original plays progressively as it is. */
  progressive: boolean;
  playback: {
    url: string;
    variant: string;
    state: 'ready' | 'pending' | 'failed' | 'absent';
    error: { code: string; message: string } | null;
  } | null;
}

export type VodChoice =
  | { ok: true; url: string; variant: string; /** a generated copy: poll it until it exists */ poll: boolean }
  | { ok: false; message: string };

/**
 * Which URL the <video> gets for the channel's file `vod`: the plain URL when the original plays as
 * it is (or when the listing is unavailable or does not know the file: the best guess), else the
 * listing's playback URL (a faststart copy at the same URL, or `?format=mp4`). Pure.
 */
export function chooseVodUrl(vod: string, files: readonly MediaListEntry[] | null): VodChoice {
  const entry = files?.find((f) => f.url === vod);
  if (!entry || entry.progressive) return { ok: true, url: vod, variant: 'original', poll: false };
  const p = entry.playback;
  if (p === null) return { ok: false, message: `${vod} cannot be played in a browser and no MP4 copy can be made of it` };
  if (p.state === 'failed') return { ok: false, message: `the MP4 copy of ${vod} failed: ${p.error?.code ?? '?'} ${p.error?.message ?? ''}`.trim() };
  // A faststart copy is served at the plain URL (the original until it exists): nothing to wait for.
  return { ok: true, url: p.url, variant: p.variant, poll: p.url !== vod };
}

/** ms to wait after a 202: Retry-After in delta-seconds (RFC 9110 §10.2.3), else the default; capped. */
export function retryAfterMs(header: string | null, defaultMs: number, maxMs: number): number {
  const sec = header !== null && /^\s*\d+\s*$/.test(header) ? Number(header) : null;
  return Math.min(maxMs, sec === null ? defaultMs : Math.max(0, sec * 1000));
}

export type FallbackTrigger =
  | { kind: 'no-mse' }
  | { kind: 'unsupported-codec'; error: PlayerError }
  | { kind: 'socket-failures'; failures: number };

export type ChannelProbe =
  | { ok: true; info: ChannelInfo; /** performance.now() when the answer arrived */ receivedAt: number }
  | { ok: false; status: number | null; code: string | null; message: string };

export type FallbackDecision =
  /** Play the file; report `error` (what made MSE give up, when not reported yet). */
  | { kind: 'progressive'; reason: string; error: PlayerError | null }
  /** Enter the error state with `error`. */
  | { kind: 'fail'; error: PlayerError }
  /** Stay on the MSE path (the socket keeps reconnecting); report `error` if there is one. */
  | { kind: 'stay'; error: PlayerError | null };

/** What to do about `trigger` given what `GET /api/channels/<id>` said. Pure. */
export function decideFallback(trigger: FallbackTrigger, probe: ChannelProbe): FallbackDecision {
  if (probe.ok && probe.info.kind === 'file' && probe.info.vod !== null) {
    const reason =
      trigger.kind === 'no-mse' ? 'this browser has no Media Source Extensions'
      : trigger.kind === 'unsupported-codec' ? `Media Source Extensions cannot play this channel (${trigger.error.message})`
      : `the WebSocket failed ${trigger.failures} times in a row`;
    // The codec error was held back until now: it is a warning when the fallback takes over.
    return { kind: 'progressive', reason, error: trigger.kind === 'unsupported-codec' ? { ...trigger.error, fatal: false } : null };
  }
  switch (trigger.kind) {
    case 'no-mse': {
      if (probe.ok) {
        const message = probe.info.kind === 'file'
          ? 'This browser cannot play this channel (no Media Source Extensions, and its file is not served under /vod/)'
          : LIVE_NO_MSE_MESSAGE;
        return { kind: 'fail', error: { code: PlayerErrorCode.NO_MSE, message, fatal: true } };
      }
      const code = probe.code === 'UNKNOWN_CHANNEL' ? 'UNKNOWN_CHANNEL' : PlayerErrorCode.NO_MSE;
      return { kind: 'fail', error: { code, message: `no Media Source Extensions, and the channel could not be looked up: ${probe.message}`, fatal: true } };
    }
    case 'unsupported-codec':
      return { kind: 'fail', error: { ...trigger.error, fatal: true } };
    case 'socket-failures':
      return probe.ok
        ? { kind: 'stay', error: null }
        : { kind: 'stay', error: { code: PlayerErrorCode.VOD_UNAVAILABLE, message: `progressive fallback: cannot look the channel up: ${probe.message}`, fatal: false } };
  }
}

/** `{ error: { code, message } }`, errors and 202s alike (core/errors.ts readErrorBody); nulls otherwise. */
export function readCodeAndMessage(body: unknown): { code: string | null; message: string | null } {
  const e = readErrorBody(body);
  return { code: e?.code ?? null, message: e?.message ?? null };
}

export async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** `GET /api/channels/<id>` on `server` (null: the page's origin), which works without a WebSocket. Never rejects. */
export async function probeChannel(channel: string, signal: AbortSignal, fetchFn: typeof fetch = fetch, server: string | null = null): Promise<ChannelProbe> {
  try {
    const res = await fetchFn(serverHttpUrl(server, `/api/channels/${encodeURIComponent(channel)}`), { signal, headers: { Accept: 'application/json' } });
    const receivedAt = performance.now();
    const body = await readJson(res);
    if (!res.ok) {
      const { code, message } = readCodeAndMessage(body);
      return { ok: false, status: res.status, code, message: `HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}` };
    }
    return { ok: true, info: body as ChannelInfo, receivedAt };
  } catch (err) {
    return { ok: false, status: null, code: null, message: describeError(err) };
  }
}

export interface PollDeps {
  fetchFn: typeof fetch;
  signal: AbortSignal;
  /** Resolves after `ms`. */
  sleep: (ms: number) => Promise<void>;
  /** ms clock for the deadline (performance.now). */
  now: () => number;
  options: Pick<ProgressiveOptions, 'pollDefaultMs' | 'pollMaxMs' | 'prepareTimeoutMs'>;
  /** Before each wait on a copy being made, with the server's message (it says how far the copy is). */
  onPreparing?: (message: string) => void;
}

/** ready; or the answer that ended the wait (`timedOut`: still 202 at prepareTimeoutMs). */
export type PollResult = { ok: true } | { ok: false; status: number; detail: string; timedOut: boolean };

/**
 * Asks for one byte of `url` (Range: bytes=0-0, so a ready file costs nothing to check) until it
 * is there, waiting while the server answers 202 VOD_PREPARING for the Retry-After it gives
 * (retryAfterMs). Used by the progressive fallback and the /play/ page. A network error rejects.
 */
export async function pollUntilPlayable(url: string, deps: PollDeps): Promise<PollResult> {
  const deadline = deps.now() + deps.options.prepareTimeoutMs;
  for (;;) {
    const res = await deps.fetchFn(url, { signal: deps.signal, headers: { Range: 'bytes=0-0' } });
    if (res.status === 200 || res.status === 206) {
      await res.body?.cancel(); // a server that ignored Range would send the whole file
      return { ok: true };
    }
    const { code, message } = readCodeAndMessage(await readJson(res));
    const detail = `HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
    if (res.status !== 202) return { ok: false, status: res.status, detail, timedOut: false };
    const waitMs = retryAfterMs(res.headers.get('Retry-After'), deps.options.pollDefaultMs, deps.options.pollMaxMs);
    if (deps.now() + waitMs > deadline) return { ok: false, status: 202, detail, timedOut: true };
    deps.onPreparing?.(message ?? 'preparing an MP4 copy');
    await deps.sleep(waitMs);
  }
}
