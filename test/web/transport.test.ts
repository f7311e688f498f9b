import { describe, expect, it } from 'vitest';
import { dragLabel, positionView, skipTarget, SKIP_SEC, transportView } from '../../web/src/pages/transport.js';

const TITLES = { back: 'Back 10 s', forward: 'Forward 10 s' };
const FORBIDDEN = 'Only a controller can control this channel';

describe('skipTarget', () => {
  it.each<[number | null, number, number | null, number | null]>([
    [30, SKIP_SEC, 120, 40],
    [30, -SKIP_SEC, 120, 20],
    [4, -SKIP_SEC, 120, 0], // clamped at the start
    [115, SKIP_SEC, 120, 120], // clamped at the end
    [120, SKIP_SEC, 120, 120],
    [0, -SKIP_SEC, 120, 0],
    [0.5, 0, 120, 0.5],
    [null, SKIP_SEC, 120, null], // position unknown (another timeline): nothing to send
    [30, SKIP_SEC, null, null], // live: no duration
    [Number.NaN, SKIP_SEC, 120, null],
  ])('from %s by %s within %s → %s', (position, delta, duration, expected) => {
    expect(skipTarget(position, delta, duration)).toBe(expected);
  });
});

describe('positionView', () => {
  it.each<[string, number | null, number | null, number | null, boolean, ReturnType<typeof positionView>]>([
    ['a live channel', null, null, null, false, { label: 'live', barValue: '0' }],
    ['a live channel while dragging', null, null, null, true, { label: 'live', barValue: '0' }],
    ['a file channel', 10, 120, 75.3, false, { label: '1:15.3 / 2:00.0', barValue: '75.3' }],
    ['a file channel at 0', 0, 120, 0, false, { label: '0:00.0 / 2:00.0', barValue: '0' }],
    ['the bar is held while dragging', 10, 120, 75.3, true, null],
    ['position on screen unknown: the bar stays', 10, 120, null, false, { label: '– / 2:00.0', barValue: null }],
    ['duration unknown', 10, null, 5, false, { label: '0:05.0 / –', barValue: '5' }],
  ])('%s', (_name, channelPosition, duration, shown, dragging, expected) => {
    expect(positionView(channelPosition, duration, shown, dragging)).toEqual(expected);
  });
});

describe('dragLabel', () => {
  it.each<[string, number | null, string]>([
    ['75.3', 120, '1:15.3 / 2:00.0'],
    ['0', 120, '0:00.0 / 2:00.0'],
    ['3725', null, '1:02:05.0 / –'],
  ])('bar at %s of %s → %s', (value, duration, expected) => {
    expect(dragLabel(value, duration)).toBe(expected);
  });
});

describe('transportView', () => {
  const file = { playing: true, seekable: true, duration: 120 };
  const live = { playing: true, seekable: false, duration: null };

  it.each<[string, typeof file | typeof live, string, { text: string; toggle: [boolean, string]; seek: [boolean, string]; back: [boolean, string] }]>([
    ['a playing file channel, allowed', file, '', { text: 'Pause', toggle: [false, 'Pause for every viewer'], seek: [false, 'Seek for every viewer'], back: [false, 'Back 10 s'] }],
    ['a paused file channel, allowed', { ...file, playing: false }, '', { text: 'Play', toggle: [false, 'Resume for every viewer'], seek: [false, 'Seek for every viewer'], back: [false, 'Back 10 s'] }],
    ['a live channel: play/pause only', live, '', { text: 'Pause', toggle: [false, 'Pause for every viewer'], seek: [true, 'Live channel: not seekable'], back: [true, 'Live channel: not seekable'] }],
    ['seekable but no duration yet', { ...file, duration: null }, '', { text: 'Pause', toggle: [false, 'Pause for every viewer'], seek: [true, 'Live channel: not seekable'], back: [true, 'Live channel: not seekable'] }],
    ['not allowed: everything off, the reason as tooltip', file, FORBIDDEN, { text: 'Pause', toggle: [true, FORBIDDEN], seek: [true, FORBIDDEN], back: [true, FORBIDDEN] }],
    ['not allowed on a live channel', live, FORBIDDEN, { text: 'Pause', toggle: [true, FORBIDDEN], seek: [true, FORBIDDEN], back: [true, FORBIDDEN] }],
  ])('%s', (_name, info, why, expected) => {
    const v = transportView(info, why, TITLES);
    expect(v.toggle.text).toBe(expected.text);
    expect([v.toggle.disabled, v.toggle.title]).toEqual(expected.toggle);
    expect([v.seek.disabled, v.seek.title]).toEqual(expected.seek);
    expect([v.back.disabled, v.back.title]).toEqual(expected.back);
    // forward follows the same rule as back, with its own title
    expect(v.forward.disabled).toBe(v.back.disabled);
    expect(v.forward.title).toBe(v.back.title === 'Back 10 s' ? 'Forward 10 s' : v.back.title);
  });
});
