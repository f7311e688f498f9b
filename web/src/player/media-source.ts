/**
 * Picks the Media Source implementation and attaches it to a <video>.
 *
 * ManagedMediaSource (W3C Media Source Extensions 2, §ManagedMediaSource; Safari ≥ 17.1 incl. iOS)
 * is preferred where it exists: on iPhone it is the only one. It lets the browser evict buffered
 * data itself and requires either an AirPlay alternative source or `disableRemotePlayback = true`;
 * we set the latter. Otherwise the classic MediaSource. null when neither exists.
 */
import { CANDIDATE_CODECS } from '../../../server/core/protocol.js';

export type MediaSourceMode = 'mse' | 'mms';

/** Constructor shape shared by MediaSource and ManagedMediaSource (the latter is not in lib.dom yet). */
export interface MediaSourceConstructor {
  new (): MediaSource;
  isTypeSupported(type: string): boolean;
}

export interface MediaSourceApi {
  mode: MediaSourceMode;
  ctor: MediaSourceConstructor;
}

/** Finds the implementation on `scope` (window by default); null when the browser has no MSE at all. */
export function detectMediaSource(scope: object = globalThis): MediaSourceApi | null {
  const g = scope as { ManagedMediaSource?: MediaSourceConstructor; MediaSource?: MediaSourceConstructor };
  if (typeof g.ManagedMediaSource === 'function') return { mode: 'mms', ctor: g.ManagedMediaSource };
  if (typeof g.MediaSource === 'function') return { mode: 'mse', ctor: g.MediaSource };
  return null;
}

/** The candidate RFC 6381 codec strings this implementation can play inside video/mp4 (sent in `hello`). */
export function playableCodecs(api: MediaSourceApi, candidates: readonly string[] = CANDIDATE_CODECS): string[] {
  return candidates.filter((codec) => api.ctor.isTypeSupported(`video/mp4; codecs="${codec}"`));
}

export interface AttachedMediaSource {
  mediaSource: MediaSource;
  /** Resolves on `sourceopen`; rejects if detached first. */
  opened: Promise<void>;
  /** Unhooks the MediaSource from the video and frees the object URL. Idempotent. */
  detach(): void;
}

/**
 * Creates a MediaSource and attaches it to `video` through an object URL (works for both MSE and
 * ManagedMediaSource; srcObject support for MediaSource is not universal).
 */
export function attachMediaSource(video: HTMLVideoElement, api: MediaSourceApi): AttachedMediaSource {
  const mediaSource = new api.ctor();
  if (api.mode === 'mms') video.disableRemotePlayback = true;
  let rejectOpened: ((reason: Error) => void) | null = null;
  const opened = new Promise<void>((resolve, reject) => {
    rejectOpened = reject;
    mediaSource.addEventListener('sourceopen', () => resolve(), { once: true });
  });
  // A detach before sourceopen rejects `opened`; callers that no longer care must not see an
  // unhandled rejection, so mark it handled here (they still get it if they await).
  opened.catch(() => undefined);
  const url = URL.createObjectURL(mediaSource);
  video.src = url;
  let attached = true;
  return {
    mediaSource,
    opened,
    detach() {
      if (!attached) return;
      attached = false;
      rejectOpened?.(new Error('MediaSource detached before sourceopen'));
      URL.revokeObjectURL(url);
      // Per HTML: removing src and calling load() releases the MediaSource (it goes to "closed").
      if (video.src === url) {
        video.removeAttribute('src');
        video.load();
      }
    },
  };
}
