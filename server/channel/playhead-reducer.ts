/**
 * The pure reducer that applies control commands (play / pause / seek) to a channel's shared
 * playhead. It owns the epoch/version rules: every accepted change bumps `version`, every seek bumps
 * `epoch`. The playhead type and its maths (`playheadAt`, `foldPosition`) are in `core/playhead.ts`,
 * because viewers need them too.
 */
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
  | { ok: false; code: 'BAD_SEEK' | 'NOT_SEEKABLE'; message: string };

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
