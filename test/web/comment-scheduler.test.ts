import { describe, expect, it } from 'vitest';
import {
  CommentBook, INITIAL_SCHEDULE, advance, classifyMotion, laneFreeAt, pickLane, suppress, windowsAhead, type ScheduleState, type TimedComment,
} from '../../web/src/player/comment-scheduler.js';

const C = (id: number, at: number | null): TimedComment => ({ id, at });
/** A 60 s file with comments at 0, 1, 5, 5 (twice), 30 and 59.9, plus a live one. */
const BOOK = [C(1, 0), C(2, 1), C(3, 5), C(4, 5), C(5, 30), C(6, 59.9), C(7, null)];
const DURATION = 60;

/** Runs positions through the scheduler; returns the ids due at each sample and the motions. */
function run(positions: Array<number | null>, state: ScheduleState = INITIAL_SCHEDULE, duration: number | null = DURATION) {
  const due: number[][] = [];
  const motions: Array<string | null> = [];
  for (const p of positions) {
    const step = advance(state, BOOK, p, duration);
    state = step.state;
    due.push(step.due.map((c) => c.id));
    motions.push(step.motion);
  }
  return { due, motions, state };
}

describe('classifyMotion', () => {
  it.each([
    ['first sample', null, 3, 60, 'start'],
    ['paused', 3, 3, 60, 'still'],
    ['playing on', 3, 3.25, 60, 'play'],
    ['a late tick', 3, 5, 60, 'play'],
    ['seek forward', 3, 5.01, 60, 'seek'],
    ['seek back', 30, 10, 60, 'seek'],
    ['settling a little back', 10, 9.2, 60, 'jitter'],
    ['a loop', 59.8, 0.1, 60, 'loop'],
    ['a loop with a late tick', 59, 1, 60, 'loop'],
    ['back to the start from the middle is a seek', 30, 0.1, 60, 'seek'],
    ['no duration: a big step back is a seek', 59.8, 0.1, null, 'seek'],
  ] as const)('%s: %s → %s', (_name, last, pos, duration, motion) => {
    expect(classifyMotion(last, pos, duration)).toBe(motion);
  });
});

describe('advance', () => {
  it.each([
    ['playing through: each once, in file order', [0, 0.5, 1.25, 4, 5.5], [[], [1], [2], [], [3, 4]]],
    ['a comment on a sample boundary is due once', [0.5, 1, 1.5], [[], [], [2]]],
    ['paused: nothing more', [4.9, 5.1, 5.1, 5.1], [[], [3, 4], [], []]],
    ['the first sample only sets the mark: a comment right there shows as play goes on', [5, 5.25], [[], [3, 4]]],
    ['the first sample shows nothing behind it', [5.1, 5.3], [[], []]],
    ['a seek forward skips what it jumped over', [0.5, 29.9, 30.1], [[], [], [5]]],
    ['a seek back shows them again as they are passed', [5.5, 0.9, 1.1, 2.5, 4, 5.2], [[], [], [2], [], [], [3, 4]]],
    ['jitter back does not show them twice', [4.9, 5.2, 4.6, 4.9, 5.3], [[], [3, 4], [], [], []]],
    ['a loop shows the end, then the start', [59.8, 0.2], [[], [6, 1]]],
    ['and again on the next loop', [59.8, 0.2, 59.85, 0.3], [[], [6, 1], [], [6, 1]]],
    ['an unknown position forgets the mark', [0.5, null, 5.5, 6], [[], [], [], []]],
    ['live comments (no position) are never due', [0, 59.99], [[], []]],
  ] as const)('%s', (_name, positions, due) => {
    expect(run([...positions]).due).toEqual(due);
  });

  it('a comment shown on arrival is not shown again this pass, but is on the next one', () => {
    // The viewer at 4.9 s gets comment 3 (at 5 s) over the socket and shows it at once.
    let { state } = run([4.9]);
    state = suppress(state, C(3, 5));
    const pass = run([5.2, 5.4], state);
    expect(pass.due).toEqual([[4], []]);
    // After a seek back, it is due again.
    expect(run([1.5, 3, 4.5, 5.2], pass.state).due).toEqual([[], [], [], [3, 4]]);
  });

  it('a suppression the picture already passed (viewer ahead) ends, so the next loop shows it', () => {
    let { state } = run([5.5]);
    state = suppress(state, C(3, 5)); // arrived while this viewer was already past 5 s
    const on = run([6, 59.8, 0.1], state);
    expect(on.state.suppressed.size).toBe(0);
    expect(run([4.9, 5.1], on.state).due).toEqual([[], [3, 4]]);
  });

  it('suppress ignores live comments', () => {
    expect(suppress(INITIAL_SCHEDULE, C(9, null))).toBe(INITIAL_SCHEDULE);
  });
});

describe('windowsAhead', () => {
  it.each([
    ['the next 30 s', 10, 60, [{ from: 9, to: 40 }]],
    ['from the start', 0.2, 60, [{ from: 0, to: 30.2 }]],
    ['across the end of a loop', 50, 60, [{ from: 49, to: 60 }, { from: 0, to: 20 }]],
    ['a file shorter than the window', 2, 10, [{ from: 1, to: 10 }, { from: 0, to: 10 }]],
    ['no duration known', 50, null, [{ from: 49, to: 80 }]],
    ['rounded to the millisecond', 1.23456, 60, [{ from: 0.235, to: 31.235 }]],
  ] as const)('%s', (_name, pos, duration, windows) => {
    expect(windowsAhead(pos, duration, 30)).toEqual(windows);
  });
});

describe('laneFreeAt / pickLane', () => {
  // 1000 px of video crossed in 8 s, 20 px apart: a 200 px comment moves at 0.15 px/ms.
  const d = { travel: 1000, driftMs: 8000, gapPx: 20 };

  it.each([
    ['an empty lane', null, 100, -Infinity],
    ['behind a same-width one: once its tail and the gap are in', { start: 0, width: 200 }, 200, (220 / 1200) * 8000],
    ['a narrower one behind a wide one: the tail rule decides', { start: 0, width: 600 }, 100, (620 / 1600) * 8000],
    ['a wider one behind a short one must not catch it up', { start: 0, width: 100 }, 600, 8000 - (1000 / 1600) * 8000],
  ] as const)('%s', (_name, prev, width, at) => {
    expect(laneFreeAt(prev, width, d)).toBeCloseTo(at, 6);
  });

  it.each([
    ['all free: the first', [null, null, null], 0, 0],
    ['the first one free now', [{ start: 900, width: 200 }, null, null], 1000, 1],
    ['a lane free again after its tail entered', [{ start: 0, width: 200 }, null], 2000, 0],
    ['none free: the one free soonest', [{ start: 1000, width: 200 }, { start: 500, width: 200 }, { start: 800, width: 200 }], 1000, 1],
  ] as const)('%s', (_name, lanes, now, lane) => {
    expect(pickLane(lanes, 200, d, now)).toBe(lane);
  });
});

describe('CommentBook', () => {
  it('keeps the newest `max`, and never takes back a deleted one', () => {
    const book = new CommentBook<TimedComment>(3);
    for (const id of [1, 2, 3, 4]) book.add(C(id, id));
    expect([...book.values()].map((c) => c.id)).toEqual([2, 3, 4]);
    book.remove(3);
    book.add(C(3, 3)); // a window fetched before the deletion arrives after it
    expect(book.has(3)).toBe(false);
    book.add(C(2, 2.5)); // an update refreshes, no duplicate
    expect([...book.values()]).toEqual([C(4, 4), C(2, 2.5)]);
  });
});
