import { describe, expect, it } from 'vitest';
import { PlayheadKeeper, SAVE_EPSILON_SEC, worthSaving, type PlayheadSink, type Resumable } from '../../../server/channel/playhead-keeper.js';
import { createLogger } from '../../../server/runtime/log.js';
import type { SavedPlayhead } from '../../../server/store/playheads.js';
import type { ResumePoint } from '../../../server/channel/timeline.js';

describe('worthSaving', () => {
  it.each([
    ['nothing saved yet', null, { position: 0, playing: true }, true],
    ['same', { position: 5, playing: false }, { position: 5, playing: false }, false],
    ['float noise', { position: 5, playing: false }, { position: 5 + SAVE_EPSILON_SEC / 2, playing: false }, false],
    ['moved', { position: 5, playing: true }, { position: 6, playing: true }, true],
    ['moved back (a seek)', { position: 5, playing: true }, { position: 1, playing: true }, true],
    ['paused in place', { position: 5, playing: true }, { position: 5, playing: false }, true],
  ])('%s', (_name, prev, next, expected) => {
    expect(worthSaving(prev, next)).toBe(expected);
  });
});

class MemorySink implements PlayheadSink {
  rows = new Map<string, SavedPlayhead>();
  writes = 0;
  fail = false;
  load(c: string) { return this.rows.get(c) ?? null; }
  save(c: string, p: SavedPlayhead) {
    if (this.fail) throw new Error('disk full');
    this.writes++;
    this.rows.set(c, p);
  }
}

describe('PlayheadKeeper', () => {
  const log = createLogger('test');
  const channel = (id: string, point: () => ResumePoint | null): Resumable => ({ id, resumePoint: () => point() });

  it('writes only what moved, skips live channels, and restores what it stored', () => {
    const sink = new MemorySink();
    let pos = 10;
    let playing = true;
    const chans = [channel('movie', () => ({ position: pos, playing })), channel('live', () => null)];
    const keeper = new PlayheadKeeper(sink, () => chans, log);
    keeper.flush(1000);
    keeper.flush(2000); // unchanged
    expect(sink.writes).toBe(1);
    pos = 11;
    keeper.flush(3000);
    playing = false;
    keeper.flush(4000);
    expect(sink.writes).toBe(3);
    expect(sink.rows.get('movie')).toEqual({ position: 11, playing: false, savedAt: 4000 });
    expect(sink.rows.has('live')).toBe(false);
    const next = new PlayheadKeeper(sink, () => chans, log);
    expect(next.restore('movie')).toEqual({ position: 11, playing: false });
    expect(next.restore('nope')).toBeNull();
    next.flush(5000); // restored state counts as saved: no write
    expect(sink.writes).toBe(3);
  });

  it('a failing store is logged and retried, never thrown', () => {
    const sink = new MemorySink();
    sink.fail = true;
    const keeper = new PlayheadKeeper(sink, () => [channel('movie', () => ({ position: 3, playing: true }))], log);
    expect(() => keeper.flush(1)).not.toThrow();
    sink.fail = false;
    keeper.flush(2);
    expect(sink.rows.get('movie')?.position).toBe(3);
  });
});
