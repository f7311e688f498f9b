import { describe, expect, it } from 'vitest';
import type { Playhead } from '../../../server/core/playhead.js';
import { applyCommand, freezeAt, newEpochAt, placeAt, startClock, type ChannelFacts, type ControlCommand } from '../../../server/channel/playhead-reducer.js';

const FILE: ChannelFacts = { seekable: true, duration: 60 };
const LIVE: ChannelFacts = { seekable: false, duration: null };
const NOW = 1_000_000;
const playing: Playhead = { epoch: 2, version: 7, playing: true, mediaTime: 10, at: NOW - 2_000 };
const paused: Playhead = { epoch: 2, version: 7, playing: false, mediaTime: 10, at: NOW - 2_000 };

describe('applyCommand', () => {
  // [name, facts, state, command, expected playhead fields or error code, effect]
  it.each<[string, ChannelFacts, Playhead, ControlCommand, Partial<Playhead> | string, string | null]>([
    ['pause while playing freezes at the current time', FILE, playing, { type: 'pause' }, { playing: false, mediaTime: 12, at: NOW, version: 8, epoch: 2 }, 'hold'],
    ['pause while paused changes nothing', FILE, paused, { type: 'pause' }, { ...paused }, 'none'],
    ['play while paused resumes from the same time', FILE, paused, { type: 'play' }, { playing: true, mediaTime: 10, at: NOW, version: 8, epoch: 2 }, 'resume'],
    ['play while playing changes nothing', FILE, playing, { type: 'play' }, { ...playing }, 'none'],
    ['seek opens a new epoch at the target, still playing', FILE, playing, { type: 'seek', position: 30 }, { epoch: 3, version: 8, playing: true, mediaTime: 30, at: NOW }, 'seek'],
    ['seek while paused stays paused', FILE, paused, { type: 'seek', position: 0 }, { epoch: 3, version: 8, playing: false, mediaTime: 0, at: NOW }, 'seek'],
    ['seek to the exact end wraps to the start', FILE, playing, { type: 'seek', position: 60 }, { epoch: 3, mediaTime: 0 }, 'seek'],
    ['seek past the end', FILE, playing, { type: 'seek', position: 60.001 }, 'BAD_SEEK', null],
    ['negative seek', FILE, playing, { type: 'seek', position: -1 }, 'BAD_SEEK', null],
    ['NaN seek', FILE, playing, { type: 'seek', position: Number.NaN }, 'BAD_SEEK', null],
    ['infinite seek', FILE, playing, { type: 'seek', position: Number.POSITIVE_INFINITY }, 'BAD_SEEK', null],
    ['seek on a live channel', LIVE, playing, { type: 'seek', position: 1 }, 'NOT_SEEKABLE', null],
    ['pause on a live channel holds it', LIVE, playing, { type: 'pause' }, { playing: false, version: 8 }, 'hold'],
    ['play on a held live channel resumes', LIVE, paused, { type: 'play' }, { playing: true, version: 8 }, 'resume'],
  ])('%s', (_name, facts, state, cmd, expected, effect) => {
    const d = applyCommand(facts, state, cmd, NOW);
    if (typeof expected === 'string') {
      expect(d).toMatchObject({ ok: false, code: expected });
      return;
    }
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.playhead).toMatchObject(expected);
    expect(d.effect.kind).toBe(effect);
  });

  it('never mutates the state it is given', () => {
    const before = structuredClone(playing);
    applyCommand(FILE, playing, { type: 'pause' }, NOW);
    applyCommand(FILE, playing, { type: 'seek', position: 5 }, NOW);
    expect(playing).toEqual(before);
  });
});

describe('playhead moves outside commands', () => {
  const p: Playhead = { epoch: 2, version: 7, playing: true, mediaTime: 10, at: NOW - 2_000 };
  it.each<[string, Playhead, Partial<Playhead>]>([
    ['newEpochAt opens a new timeline at t, its clock from now', newEpochAt(p, 30, NOW), { epoch: 3, version: 8, mediaTime: 30, at: NOW, playing: true }],
    ['placeAt lands on t on the same epoch and version', placeAt(p, 30, NOW), { epoch: 2, version: 7, mediaTime: 30, at: NOW }],
    ['startClock starts the clock now from where it stands', startClock(p, NOW), { epoch: 2, version: 8, mediaTime: 10, at: NOW }],
    ['freezeAt a moving playhead keeps the time played', freezeAt(p, NOW, true), { epoch: 2, version: 8, mediaTime: 12, at: NOW }],
    ['freezeAt a playhead whose clock never started keeps its position', freezeAt(p, NOW, false), { epoch: 2, version: 8, mediaTime: 10, at: NOW }],
    ['freezeAt a paused playhead keeps its position', freezeAt({ ...p, playing: false }, NOW, true), { mediaTime: 10, at: NOW, playing: false }],
  ])('%s', (_name, got, expected) => {
    expect(got).toMatchObject(expected);
  });
});
