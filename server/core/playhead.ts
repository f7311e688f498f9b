/**
 * The shared playhead of a channel and the maths on it. Browser-safe (no Node APIs): viewers use
 * `playheadAt` to know where the channel is now. The reducer that changes it on commands lives with
 * the channel (`server/channel/playhead-reducer.ts`).
 *
 * Time model: the playhead lives on the media timeline viewers' `video.currentTime` uses (the
 * fMP4 decode timeline of the current epoch, in seconds). While playing it advances with the
 * server's clock: at server time `now` the channel is at `mediaTime + (now − at) / 1000`.
 * A file channel's user-facing position is that media time folded into [0, duration) (files
 * loop); seeks take positions and the channel maps them back onto the media timeline.
 */

export interface Playhead {
  /** Timeline generation: bumped by every seek and every ffmpeg restart; older media is void. */
  epoch: number;
  /** Bumped by every change, so clients can ignore stale or reordered updates. */
  version: number;
  playing: boolean;
  /** Media time, seconds, at server time `at`. */
  mediaTime: number;
  /** Server clock, ms since the Unix epoch. */
  at: number;
}

/** Where the channel is at server time `now`, seconds of media time. */
export function playheadAt(p: Pick<Playhead, 'playing' | 'mediaTime' | 'at'>, now: number): number {
  return p.playing ? p.mediaTime + Math.max(0, now - p.at) / 1000 : p.mediaTime;
}

/** Folds a media time into a file position in [0, duration) (files loop); unchanged without a duration. */
export function foldPosition(mediaTime: number, duration: number | null): number {
  if (duration === null || !(duration > 0)) return mediaTime;
  const r = mediaTime % duration;
  return r < 0 ? r + duration : r;
}
