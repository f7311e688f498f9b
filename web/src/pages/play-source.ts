/**
 * Which URL the /play/ page's <video> gets for a file, and whether it exists: the progressive
 * fallback's rules (progressive-rules.ts `chooseVodUrl`: the original when it plays as it is, else
 * the listing's `?format=mp4` copy), then a one-byte look at that URL, which waits while the server
 * answers 202 VOD_PREPARING (Retry-After, `retryAfterMs`) and turns a 404 into "unknown file".
 * The fetch and the wait are injected, so tests drive it without a server or real time.
 */
import { describeError } from '../player/errors.js';
import {
  DEFAULT_PROGRESSIVE_OPTIONS,
  chooseVodUrl,
  pollUntilPlayable,
  readJson,
  type MediaListEntry,
  type ProgressiveOptions,
} from '../player/progressive-rules.js';

export type PlaySource =
  | { ok: true; url: string; variant: string }
  /** `unknown`: no such file (404); `unplayable`: no browser can play it and no copy can be made;
   *  `unavailable`: the server failed or the copy took longer than prepareTimeoutMs. */
  | { ok: false; reason: 'unknown' | 'unplayable' | 'unavailable'; message: string };

export interface PlaySourceDeps {
  fetchFn: typeof fetch;
  signal: AbortSignal;
  /** Resolves after `ms` (rejects when the signal aborts, if it wants). */
  sleep: (ms: number) => Promise<void>;
  /** Called before each wait on a copy being made, with the server's message. */
  onPreparing?: (message: string) => void;
  options?: Pick<ProgressiveOptions, 'pollDefaultMs' | 'pollMaxMs' | 'prepareTimeoutMs'>;
  /** ms clock for the deadline (performance.now). */
  now?: () => number;
}

/** Resolves the URL to play for `vod` (`/vod/<path>`). Never rejects unless the signal aborts. */
export async function resolvePlaySource(vod: string, deps: PlaySourceDeps): Promise<PlaySource> {
  const choice = chooseVodUrl(vod, await listMedia(deps));
  if (!choice.ok) return { ok: false, reason: 'unplayable', message: choice.message };
  const options = deps.options ?? DEFAULT_PROGRESSIVE_OPTIONS;
  const now = deps.now ?? (() => performance.now());
  let polled;
  try {
    polled = await pollUntilPlayable(choice.url, { fetchFn: deps.fetchFn, signal: deps.signal, sleep: deps.sleep, now, options, ...(deps.onPreparing ? { onPreparing: deps.onPreparing } : {}) });
  } catch (err) {
    if (deps.signal.aborted) throw err;
    return { ok: false, reason: 'unavailable', message: `${choice.url}: ${describeError(err)}` };
  }
  if (polled.ok) return { ok: true, url: choice.url, variant: choice.variant };
  if (polled.status === 404) return { ok: false, reason: 'unknown', message: `no such file: ${polled.detail}` };
  if (polled.timedOut) {
    return { ok: false, reason: 'unavailable', message: `the MP4 copy was still being prepared after ${Math.round(options.prepareTimeoutMs / 1000)} s` };
  }
  return { ok: false, reason: 'unavailable', message: `${choice.url}: ${polled.detail}` };
}

/** `GET /api/media`, or null when it fails (then the plain URL is the best guess, as in the fallback). */
async function listMedia(deps: PlaySourceDeps): Promise<MediaListEntry[] | null> {
  try {
    const res = await deps.fetchFn('/api/media', { signal: deps.signal, headers: { Accept: 'application/json' } });
    const files = ((await readJson(res)) as { files?: unknown } | null)?.files;
    if (res.ok && Array.isArray(files)) return files as MediaListEntry[];
    console.warn(`pushcast: GET /api/media answered HTTP ${res.status}; trying the plain URL`);
  } catch (err) {
    if (deps.signal.aborted) throw err;
    console.warn('pushcast: GET /api/media failed; trying the plain URL', err);
  }
  return null;
}
