import { describe, expect, it } from 'vitest';
import { statsText } from '../../../web/src/embed/stats-text.js';
import type { PlayerStats } from '../../../web/src/player/stats.js';

const base = {
  state: 'playing', channel: 'test', channelStatus: 'running', mode: 'mse', delaySec: 0.42, bufferSec: 0.61, bitrateBps: 812_000,
  totalFrames: 250, droppedFrames: 2, connections: 1, reconnectAttempt: 0, sync: null, driftMs: null,
} as unknown as PlayerStats;

describe('statsText', () => {
  it('shows the delay behind live on a live channel', () => {
    expect(statsText(base).split('\n')).toEqual([
      'state   playing (mse)',
      'channel test [running]',
      'delay   0.42 s',
      'buffer  0.61 s',
      'bitrate 812 kbit/s',
      'frames  250 shown, 2 dropped',
      'socket  1 opened',
    ]);
  });
  it('shows the drift on a file channel, and a reconnect under way', () => {
    const text = statsText({ ...base, mode: null, state: 'reconnecting', sync: 'in-sync', driftMs: -12.4, delaySec: null, bitrateBps: 0, reconnectAttempt: 3 } as PlayerStats);
    expect(text).toContain('state   reconnecting (no MSE)');
    expect(text).toContain('drift   -12 ms (in-sync)');
    expect(text).not.toContain('delay');
    expect(text).toContain('bitrate –');
    expect(text).toContain('socket  1 opened, reconnect attempt 3');
  });
});
