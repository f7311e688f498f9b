/**
 * The pure reducer that applies control commands (play / pause / seek) to a channel's shared
 * playhead. It owns the epoch/version rules: every accepted change bumps `version`, every seek bumps
 * `epoch`. The playhead type and its maths (`playheadAt`, `foldPosition`) are in `core/playhead.ts`,
 * because viewers need them too.
 */
import { ErrorCode } from '../core/errors.js';
import { playheadAt, type Playhead } from '../core/playhead.js';

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
  | { ok: false; code: typeof ErrorCode.BAD_SEEK | typeof ErrorCode.NOT_SEEKABLE; message: string };

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
        return { ok: false, code: ErrorCode.NOT_SEEKABLE, message: 'this channel is live: it cannot seek' };
      }
      const { position } = cmd;
      if (!Number.isFinite(position) || position < 0 || position > facts.duration) {
        return { ok: false, code: ErrorCode.BAD_SEEK, message: `position must be a number of seconds in [0, ${facts.duration}]` };
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

/*
 * Small pure moves of the playhead the channel's timelines make outside commands. Each returns a
 * new playhead; the version rule stays here: a change viewers must re-read bumps `version`.
 */

/** A new timeline (a start, a live resume's edge) at media time `mediaTime`, its clock from `now`. */
export function newEpochAt(p: Playhead, mediaTime: number, now: number): Playhead {
  return { ...p, epoch: p.epoch + 1, version: p.version + 1, mediaTime, at: now };
}

/** Puts the playhead at `mediaTime` from `now` on the same epoch and version (a seek's landing). */
export function placeAt(p: Playhead, mediaTime: number, now: number): Playhead {
  return { ...p, mediaTime, at: now };
}

/** The first fragment of a run is here: the clock starts now, from where the playhead stands. */
export function startClock(p: Playhead, now: number): Playhead {
  return { ...p, at: now, version: p.version + 1 };
}

/**
 * No ffmpeg any more: the playhead stands still where it is at `now`, or where it was put when its
 * clock had not started yet (`moving` false: a start that never delivered a fragment).
 */
export function freezeAt(p: Playhead, now: number, moving: boolean): Playhead {
  return { ...p, mediaTime: moving ? playheadAt(p, now) : p.mediaTime, at: now, version: p.version + 1 };
}
