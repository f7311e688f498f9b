/**
 * The pure rules of the channel transport controls (transport-controls.ts), shared by the watch
 * page and the dashboard rows: what the buttons say and whether they work, where ±10 s lands, and
 * what the seek bar and position label show (held still while the user drags the bar).
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { formatClock } from './format.js';

/** How far the back / forward buttons move the channel, seconds. */
export const SKIP_SEC = 10;

export interface ControlView {
  disabled: boolean;
  title: string;
}

export interface TransportView {
  toggle: ControlView & { text: 'Play' | 'Pause' };
  back: ControlView;
  forward: ControlView;
  seek: ControlView;
}

/** Tooltips of the seek controls when they work (each page words them its own way). */
export interface TransportTitles {
  back: string;
  forward: string;
}

/**
 * The controls for `info`. `why` is why this page may not control the channel ('' when it may):
 * it disables every control and becomes every tooltip. Seeking needs a seekable channel with a
 * known duration (file channels); live channels only play and pause.
 */
export function transportView(info: Pick<ChannelInfo, 'playing' | 'seekable' | 'duration'>, why: string, titles: TransportTitles): TransportView {
  const allowed = why === '';
  const seekable = info.seekable && info.duration !== null;
  const seekControl = (title: string): ControlView => ({
    disabled: !allowed || !seekable,
    title: why || (seekable ? title : 'Live channel: not seekable'),
  });
  return {
    toggle: { text: info.playing ? 'Pause' : 'Play', disabled: !allowed, title: why || (info.playing ? 'Pause for every viewer' : 'Resume for every viewer') },
    back: seekControl(titles.back),
    forward: seekControl(titles.forward),
    seek: seekControl('Seek for every viewer'),
  };
}

/**
 * Where a skip of `deltaSec` from `position` lands, clamped to [0, duration]; null when it cannot
 * be computed (position or duration unknown: nothing is sent).
 */
export function skipTarget(position: number | null, deltaSec: number, duration: number | null): number | null {
  if (position === null || duration === null || !Number.isFinite(position)) return null;
  return Math.min(duration, Math.max(0, position + deltaSec));
}

/** The position label while the bar is dragged: the bar's value over the duration. */
export function dragLabel(barValue: string, duration: number | null): string {
  return `${formatClock(Number(barValue))} / ${formatClock(duration)}`;
}

/**
 * What the position label and seek bar show: "live" (bar at 0) for a channel without a position;
 * nothing new while the user drags (null: leave both alone); else the position shown over the
 * duration, with the bar at the position (`barValue` null: leave the bar where it is).
 */
export function positionView(
  channelPosition: number | null,
  duration: number | null,
  shown: number | null,
  dragging: boolean,
): { label: string; barValue: string | null } | null {
  if (channelPosition === null) return { label: 'live', barValue: '0' };
  if (dragging) return null;
  return { label: `${formatClock(shown)} / ${formatClock(duration)}`, barValue: shown === null ? null : String(shown) };
}
