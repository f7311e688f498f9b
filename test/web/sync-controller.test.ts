import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncController } from '../../web/src/player/sync-controller.js';
import { DEFAULT_SYNC_OPTIONS } from '../../web/src/player/sync.js';

/** The part of a <video> the controller touches, with a log of what it did. */
function fakeVideo(currentTime: number, buffered: Array<[number, number]>, paused = false) {
  const calls: string[] = [];
  const video = {
    paused,
    seeking: false,
    playbackRate: 1,
    buffered: { length: buffered.length, start: (i: number) => buffered[i]![0], end: (i: number) => buffered[i]![1] },
    get currentTime() {
      return currentTime;
    },
    set currentTime(t: number) {
      calls.push(`seek ${t}`);
      currentTime = t;
    },
    pause() {
      calls.push('pause');
      video.paused = true;
    },
  };
  return { video, calls, asVideo: video as unknown as HTMLVideoElement };
}

describe('SyncController', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('jumps a new timeline ahead of the channel, plays when the channel gets there, once', async () => {
    const { video, calls, asVideo } = fakeVideo(0, [[31, 33]], true);
    let release!: () => void;
    let plays = 0;
    const c = new SyncController(asVideo, DEFAULT_SYNC_OPTIONS, () => {
      plays++;
      return new Promise<void>((r) => (release = r));
    });
    c.tick({ mediaTime: 31.5, playing: true });
    expect(calls).toEqual(['seek 31.8']);
    expect(c.jumps).toBe(1);
    vi.advanceTimersByTime(100);
    c.tick({ mediaTime: 31.6, playing: true }); // waiting: the play timer is re-armed for 200 ms
    expect(c.lastReason).toBe('preroll');
    vi.advanceTimersByTime(190);
    expect(plays).toBe(0);
    vi.advanceTimersByTime(20);
    expect(plays).toBe(1);
    c.tick({ mediaTime: 31.81, playing: true }); // still paused while play() is pending: no second call
    expect(plays).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    c.tick({ mediaTime: 31.82, playing: true });
    expect(plays).toBe(2); // still paused: asks again once the first play() settled
    expect(video.playbackRate).toBe(1);
  });

  it('cancels a pending play when the channel pauses', () => {
    const { asVideo } = fakeVideo(31.8, [[31, 33]], true);
    let plays = 0;
    const c = new SyncController(asVideo, DEFAULT_SYNC_OPTIONS, () => (plays++, Promise.resolve()));
    c.tick({ mediaTime: 31.6, playing: true });
    c.tick({ mediaTime: 31.65, playing: false });
    vi.advanceTimersByTime(1000);
    expect(plays).toBe(0);
  });

  it('nudges the rate, then pauses and settles on a paused channel', () => {
    const { video, calls, asVideo } = fakeVideo(12, [[10, 20]]);
    const c = new SyncController(asVideo, DEFAULT_SYNC_OPTIONS, null);
    c.tick({ mediaTime: 12.2, playing: true });
    expect(video.playbackRate).toBe(1.05);
    expect(c.driftMs).toBeCloseTo(-200, 6);
    c.tick({ mediaTime: 12.25, playing: false });
    expect(calls).toEqual(['pause', 'seek 12.25']);
    expect(video.playbackRate).toBe(1);
    c.reset();
    expect(c.driftMs).toBeNull();
  });

  it('does nothing without a target but reset the rate', () => {
    const { video, calls, asVideo } = fakeVideo(12, [[10, 20]]);
    video.playbackRate = 0.95;
    const c = new SyncController(asVideo, DEFAULT_SYNC_OPTIONS, null);
    c.tick(null);
    expect(calls).toEqual([]);
    expect(video.playbackRate).toBe(1);
    expect(c.lastReason).toBe('no-target');
  });

  it('after a jump, nudges a small residual drift away until in sync, then leaves small drifts alone', () => {
    const { video, asVideo } = fakeVideo(12, [[10, 20]]);
    let t = 12;
    Object.defineProperty(video, 'currentTime', { get: () => t, set: (x: number) => (t = x) });
    const c = new SyncController(asVideo, DEFAULT_SYNC_OPTIONS, null);
    c.tick({ mediaTime: 14, playing: true }); // 2 s behind: jump
    expect(c.lastReason).toBe('jump');
    video.paused = false;
    t = 14.345; // playing again, 45 ms behind the channel at 14.39: under the 60 ms threshold
    c.tick({ mediaTime: 14.39, playing: true });
    expect(c.lastReason).toBe('nudge');
    expect(video.playbackRate).toBe(1.05);
    t = 14.5;
    c.tick({ mediaTime: 14.51, playing: true }); // 10 ms: settled
    expect(c.lastReason).toBe('in-sync');
    expect(video.playbackRate).toBe(1);
    t = 15;
    c.tick({ mediaTime: 15.045, playing: true }); // 45 ms again, but no longer converging: leave it
    expect(c.lastReason).toBe('in-sync');
    expect(video.playbackRate).toBe(1);
  });
});
