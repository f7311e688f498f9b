import { describe, expect, it } from 'vitest';
import { GopCache } from '../../../server/channel/gop-cache.js';
import type { Fragment } from '../../../server/ffmpeg/fragmenter.js';

const frag = (key: boolean, bytes: number, startSec: number): Fragment => ({ data: Buffer.alloc(bytes), key, startSec, durationSec: 0.2 });

describe('GopCache', () => {
  // [name, fragments as (key, bytes), cap, expected held start times, expected bytes]
  it.each<[string, Array<[boolean, number]>, number, number[], number]>([
    ['nothing before the first keyframe', [[false, 10], [false, 10]], 100, [], 0],
    ['a keyframe starts the cache', [[false, 10], [true, 20], [false, 10]], 100, [1, 2], 30],
    ['a new keyframe drops the old GOP', [[true, 20], [false, 10], [true, 30]], 100, [2], 30],
    ['over the byte cap: nothing held until the next keyframe', [[true, 60], [false, 50], [false, 10]], 100, [], 0],
    ['exactly at the cap is kept', [[true, 60], [false, 40]], 100, [0, 1], 100],
    ['a keyframe after the cap starts again', [[true, 60], [false, 50], [true, 5], [false, 5]], 100, [2, 3], 10],
  ])('%s', (_name, rows, cap, startSecs, bytes) => {
    const cache = new GopCache(cap);
    rows.forEach(([key, n], i) => cache.add(frag(key, n, i)));
    expect(cache.fragments.map((f) => f.startSec)).toEqual(startSecs);
    expect(cache.size).toBe(bytes);
  });

  it('reset() forgets the GOP: the next non-key fragment is not cached', () => {
    const cache = new GopCache(1000);
    cache.add(frag(true, 10, 0));
    cache.reset();
    cache.add(frag(false, 10, 1));
    expect(cache.fragments).toEqual([]);
    expect(cache.size).toBe(0);
  });
});
