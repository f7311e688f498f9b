import { describe, expect, it } from 'vitest';
import { FragmentFlow } from '../../../server/ws/fragment-flow.js';

const MAX = 1000;

describe('FragmentFlow', () => {
  it('ignores fragments before a timeline and of another epoch', () => {
    const f = new FragmentFlow(MAX, 5000);
    expect(f.next(true, 0, 0, 0)).toBe('ignore');
    f.begin(2);
    expect(f.next(true, 1, 0, 0)).toBe('ignore');
    expect(f.next(true, 2, 0, 0)).toBe('send');
  });

  it.each<[string, Array<[boolean, number]>, string[]]>([
    ['a timeline starts at a keyframe (not counted as skips)', [[false, 0], [false, 0], [true, 0], [false, 0]], ['ignore', 'ignore', 'send', 'send']],
    ['backed up: drops until the next keyframe', [[true, 0], [false, MAX + 1], [false, 0], [true, 0], [false, 0]], ['send', 'drop', 'drop', 'send', 'send']],
    ['a keyframe while still backed up is dropped too', [[true, 0], [true, MAX + 1], [true, MAX + 1], [true, 10]], ['send', 'drop', 'drop', 'send']],
  ])('%s', (_n, frags, verdicts) => {
    const f = new FragmentFlow(MAX, 5000);
    f.begin(0);
    expect(frags.map(([key, buffered]) => f.next(key, 0, buffered, 0))).toEqual(verdicts);
    expect(f.skipped).toBe(verdicts.filter((v) => v === 'drop').length);
  });

  it('overloaded past the hard cap at once, or after overloadCloseMs of skipping', () => {
    const f = new FragmentFlow(MAX, 5000);
    expect(f.overloaded(MAX * 4 + 1024 * 1024 + 1, 0)).toBe(true);
    f.begin(0);
    f.next(true, 0, MAX + 1, 0); // starts skipping at t=0
    expect(f.overloaded(MAX + 1, 5000)).toBe(false);
    expect(f.overloaded(MAX + 1, 5001)).toBe(true);
  });

  it('healthy again once the queue drained to half the limit', () => {
    const f = new FragmentFlow(MAX, 5000);
    f.begin(0);
    f.next(true, 0, MAX + 1, 0);
    expect(f.overloaded(MAX / 2, 100)).toBe(false);
    expect(f.overloaded(MAX, 9000)).toBe(false);
  });

  it('reset forgets the timeline', () => {
    const f = new FragmentFlow(MAX, 5000);
    f.begin(0);
    f.reset();
    expect(f.epoch).toBe(-1);
    expect(f.next(true, 0, 0, 0)).toBe('ignore');
  });
});
