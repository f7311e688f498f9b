import { describe, expect, it } from 'vitest';
import { sameTimeline, type Timeline } from '../../web/src/player/timeline.js';

describe('sameTimeline', () => {
  const t = (epoch: number, connection: number): Timeline => ({ epoch, connection });
  it.each<[string, Timeline | null, Timeline | null, boolean]>([
    ['same epoch on the same socket', t(3, 1), t(3, 1), true],
    ['epoch 0 on the first socket', t(0, 1), t(0, 1), true],
    ['a new epoch on the same socket (ffmpeg restarted, a seek)', t(3, 1), t(4, 1), false],
    ['the same epoch number on a new socket (the server may have restarted)', t(3, 1), t(3, 2), false],
    ['both differ', t(3, 1), t(4, 2), false],
    ['no timeline on screen', null, t(3, 1), false],
    ['no timeline to compare with', t(3, 1), null, false],
    ['two absent timelines are not the same one', null, null, false],
  ])('%s', (_name, a, b, expected) => {
    expect(sameTimeline(a, b)).toBe(expected);
    expect(sameTimeline(b, a)).toBe(expected); // symmetric
  });
});
