/**
 * The text of the element's stats overlay (the `stats` attribute): the few numbers that say whether
 * an embedded player is healthy, one per line. Pure; the element samples stats() every 250 ms.
 */
import type { PlayerStats } from '../player/stats.js';

const seconds = (x: number | null, digits = 2): string => (x === null || !Number.isFinite(x) ? '–' : `${x.toFixed(digits)} s`);

export function statsText(s: PlayerStats): string {
  const lines: Array<[string, string]> = [
    ['state', `${s.state} (${s.mode ?? 'no MSE'})`],
    ['channel', `${s.channel ?? '–'} [${s.channelStatus ?? '?'}]`],
    // Live channels have a delay behind live; file channels a drift from the shared playhead.
    s.sync === null ? ['delay', seconds(s.delaySec)] : ['drift', s.driftMs === null ? '–' : `${s.driftMs.toFixed(0)} ms (${s.sync})`],
    ['buffer', seconds(s.bufferSec)],
    ['bitrate', s.bitrateBps > 0 ? `${(s.bitrateBps / 1000).toFixed(0)} kbit/s` : '–'],
    ['frames', `${s.totalFrames} shown, ${s.droppedFrames} dropped`],
    ['socket', `${s.connections} opened${s.reconnectAttempt > 0 ? `, reconnect attempt ${s.reconnectAttempt}` : ''}`],
  ];
  return lines.map(([k, v]) => `${k.padEnd(8)}${v}`).join('\n');
}
