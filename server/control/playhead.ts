/**
 * The shared playhead of a channel and the pure reducer that applies control commands to it.
 * Browser-safe (no Node APIs): viewers use `playheadAt` to know where the channel is now.
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

export type ControlCommand = { type: 'play' } | { type: 'pause' } | { type: 'seek'; position: number };

/** What the reducer needs to know about the channel. */
export interface ChannelFacts {
  /** Files and tests are paced by the server; live sources are not seekable. */
  seekable: boolean;
  /** Seconds, when the source has a known length. */
  duration: number | null;
}

/**
 * What the channel must do after a command is accepted:
 * - `none`   nothing changed (e.g. play while playing): just acknowledge;
 * - `resume` start pushing again from the playhead (live: from the live edge);
 * - `hold`   stop pushing; viewers freeze where they are;
 * - `seek`   open a new epoch at `position` (seconds into the file).
 */
export type ControlEffect = { kind: 'none' } | { kind: 'resume' } | { kind: 'hold' } | { kind: 'seek'; position: number };

export type ControlDecision =
  | { ok: true; playhead: Playhead; effect: ControlEffect }
  | { ok: false; code: 'BAD_SEEK' | 'NOT_SEEKABLE'; message: string };

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

/** Applies one command. Pure: a rejected command returns an error and changes nothing. */
export function applyCommand(facts: ChannelFacts, p: Playhead, cmd: ControlCommand, now: number): ControlDecision {
  switch (cmd.type) {
    case 'play':
      if (p.playing) return { ok: true, playhead: p, effect: { kind: 'none' } };
      return { ok: true, playhead: { ...p, version: p.version + 1, playing: true, at: now }, effect: { kind: 'resume' } };
    case 'pause':
      if (!p.playing) return { ok: true, playhead: p, effect: { kind: 'none' } };
      return {
        ok: true,
        playhead: { ...p, version: p.version + 1, playing: false, mediaTime: playheadAt(p, now), at: now },
        effect: { kind: 'hold' },
      };
    case 'seek': {
      if (!facts.seekable || facts.duration === null) {
        return { ok: false, code: 'NOT_SEEKABLE', message: 'this channel is live: it cannot seek' };
      }
      const { position } = cmd;
      if (!Number.isFinite(position) || position < 0 || position > facts.duration) {
        return { ok: false, code: 'BAD_SEEK', message: `position must be a number of seconds in [0, ${facts.duration}]` };
      }
      // Seeking to the very end means the start of the next loop.
      const target = position === facts.duration ? 0 : position;
      return {
        ok: true,
        playhead: { epoch: p.epoch + 1, version: p.version + 1, playing: p.playing, mediaTime: target, at: now },
        effect: { kind: 'seek', position: target },
      };
    }
  }
}
