/**
 * Starts playback, with sound if the browser allows it. Autoplay policies (Chrome, Safari, Firefox)
 * reject play() with NotAllowedError when there was no user gesture; muted playback is always
 * allowed, so we retry muted and tell the caller to offer an "unmute" button.
 */
import { hasErrorName } from './errors.js';

export type PlaybackStart = { muted: false } | { muted: true; reason: string };

/** Rejects with play()'s error for anything other than the autoplay policy (e.g. AbortError on reload). */
export async function startPlayback(video: HTMLVideoElement): Promise<PlaybackStart> {
  try {
    await video.play();
    // The page may have been muted already (e.g. the `muted` attribute): report that too.
    return video.muted ? { muted: true, reason: 'the video element was muted' } : { muted: false };
  } catch (err) {
    if (!hasErrorName(err, 'NotAllowedError')) throw err;
    video.muted = true;
    await video.play();
    return { muted: true, reason: err instanceof Error ? err.message : String(err) };
  }
}
