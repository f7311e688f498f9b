/**
 * Channel sync policy for file channels: keeps the <video> on the channel's shared playhead, so
 * every viewer shows the same frame at the same moment. Pure (no DOM, no clock): the player samples
 * the <video> every tick, computes where the channel is now (`channelTime`, from the last `state`
 * and the server clock), calls `decideSync`, and applies the returned rate / seek / pause / play
 * (sync-controller.ts).
 *
 * drift = currentTime − channel position (ms; + ahead, − behind). Rules, in order:
 *  1. no target (no state or clock offset yet, or the state is for another epoch than the media on
 *     screen) → 1×, touch nothing;
 *  2. a seek is in flight toward the channel (|drift| < `jumpThresholdMs`) → keep the rate, wait
 *     for it; one that lands far from where the channel now is (the channel moved meanwhile, or the
 *     data there never comes) is redirected by the rules below instead of waited on forever;
 *  3. channel paused → pause the video and settle on the channel's exact position (seek when
 *     further than `pausedToleranceMs`);
 *  4. nothing buffered → 1×, wait (play once data arrives);
 *  5. the channel is before the first buffered media (a late joiner whose first keyframe lies a
 *     little ahead) → sit paused on that first frame until the channel reaches it (`playInMs`);
 *  6. |drift| ≥ `jumpThresholdMs` (a late joiner, a new timeline at 0, a long stall) → pause and
 *     seek `prerollMs` ahead of the channel: the frame there is decoded while we wait, and playback
 *     starts when the channel arrives (`playInMs`), instead of lagging by however long a seek and a
 *     cold decoder take. When that frame is not buffered yet (a joiner's first fragment is appended
 *     while the rest of the catch-up burst is still on its way) → pause and wait for it
 *     (`wait-for-data`; the controller asks again on the next append): a seek beyond the buffered
 *     end is clamped by the browser to what it has, which used to start joiners up to a second
 *     behind and leave them to a 5 % nudge for many seconds;
 *  7. video paused and ahead by more than `nudgeThresholdMs` (waiting after rule 5 or 6) → stay
 *     paused and play in `playInMs` = drift; paused otherwise → play now;
 *  8. |drift| > `nudgeThresholdMs` → play `nudgeRate` faster (behind) or slower (ahead), and keep
 *     doing so until |drift| ≤ `settleMs` (hysteresis: the rate does not flap at the threshold).
 *     Right after a jump, a wait or a pause (`converging`), any residual above `settleMs` is
 *     nudged away too: play() takes tens of ms to start, and without this a viewer could sit
 *     just under the threshold (say 50 ms) for good while another sits at −50 ms;
 *  9. otherwise 1×.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { playheadAt } from '../../../server/core/playhead.js';
import type { BufferedRange } from './live-edge.js';

export interface SyncOptions {
  /** Drift (ms) above which playbackRate is nudged (rule 7). */
  nudgeThresholdMs: number;
  /** Drift (ms) at which a nudge ends (rule 7); below nudgeThresholdMs. */
  settleMs: number;
  /** Rate offset while nudging: playbackRate 1 ± nudgeRate (rule 7); 0.05 = ±5 %. */
  nudgeRate: number;
  /** Drift (ms) from which we seek instead of nudging (rule 6). */
  jumpThresholdMs: number;
  /** Paused channel: drift (ms) tolerated before seeking to the exact position (rule 3). */
  pausedToleranceMs: number;
  /** How far ahead of the channel a jump lands, ms (rule 6): time to seek and decode while paused. */
  prerollMs: number;
}

export const DEFAULT_SYNC_OPTIONS: Readonly<SyncOptions> = {
  nudgeThresholdMs: 60,
  settleMs: 20,
  nudgeRate: 0.05,
  // A late joiner lands within a frame or two of the channel (rule 6); anything left above this is
  // a jump rather than a nudge, since 5 % takes 8 s to work off 400 ms.
  jumpThresholdMs: 400,
  pausedToleranceMs: 10,
  prerollMs: 300,
};

/** Merges user options over the defaults and rejects illegal combinations with a TypeError. */
export function resolveSyncOptions(options: Partial<SyncOptions> = {}): SyncOptions {
  const o = { ...DEFAULT_SYNC_OPTIONS, ...options };
  for (const [key, value] of Object.entries(o)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`sync: ${key} must be a finite number ≥ 0, got ${String(value)}`);
  }
  if (o.settleMs >= o.nudgeThresholdMs) throw new TypeError(`sync: settleMs (${o.settleMs}) must be below nudgeThresholdMs (${o.nudgeThresholdMs})`);
  if (o.jumpThresholdMs <= o.nudgeThresholdMs) throw new TypeError(`sync: jumpThresholdMs (${o.jumpThresholdMs}) must exceed nudgeThresholdMs (${o.nudgeThresholdMs})`);
  if (o.nudgeRate >= 0.5) throw new TypeError(`sync: nudgeRate must be below 0.5, got ${o.nudgeRate}`);
  if (o.prerollMs >= o.jumpThresholdMs) throw new TypeError(`sync: prerollMs (${o.prerollMs}) must be below jumpThresholdMs (${o.jumpThresholdMs})`);
  return o;
}

/** Where the channel is, on the media timeline (what video.currentTime means). */
export interface SyncTarget {
  /** Seconds of media time now. */
  mediaTime: number;
  playing: boolean;
}

export interface SyncInput {
  currentTime: number;
  paused: boolean;
  seeking: boolean;
  playbackRate: number;
  buffered: readonly BufferedRange[];
  target: SyncTarget | null;
  /**
   * The video has been repositioned or restarted (a jump, a wait for the channel, a pause) and has
   * not been in sync since: correct residual drift down to `settleMs` (rule 8). Kept by the caller
   * (sync-controller.ts): set after those reasons, cleared on 'in-sync'.
   */
  converging?: boolean;
}

export type SyncReason =
  | 'no-target'
  | 'seeking'
  | 'paused'
  | 'no-data'
  | 'wait-for-channel'
  | 'jump'
  | 'wait-for-data'
  | 'preroll'
  | 'nudge'
  | 'in-sync';

export interface SyncAction {
  playbackRate: number;
  /** Media time to seek to. */
  seekTo?: number;
  pause?: true;
  /** Play now. */
  play?: true;
  /** Stay paused and play in this many ms (the channel reaches the frame on screen then). */
  playInMs?: number;
  reason: SyncReason;
  /** currentTime − channel position, ms (+ ahead); null without a target. */
  driftMs: number | null;
}

/**
 * The channel's media time at server time `serverNowMs`, from a `state` message
 * (mediaTime + elapsed while playing). Pure.
 */
export function channelTime(info: Pick<ChannelInfo, 'playing' | 'mediaTime' | 'positionAt'>, serverNowMs: number): number {
  return playheadAt({ playing: info.playing, mediaTime: info.mediaTime, at: info.positionAt }, serverNowMs);
}

/**
 * True when `next` is older than `last` and must be ignored: same epoch, lower version
 * (the protocol's rule; a different epoch is always taken, the server may have restarted).
 */
export function isStaleState(last: Pick<ChannelInfo, 'epoch' | 'version'> | null, next: Pick<ChannelInfo, 'epoch' | 'version'>): boolean {
  return last !== null && last.epoch === next.epoch && next.version < last.version;
}

export function decideSync(input: SyncInput, options: SyncOptions = DEFAULT_SYNC_OPTIONS): SyncAction {
  const { target, currentTime: t } = input;
  if (target === null) return { playbackRate: 1, reason: 'no-target', driftMs: null };
  const driftMs = (t - target.mediaTime) * 1000;
  if (input.seeking && Math.abs(driftMs) < options.jumpThresholdMs) return { playbackRate: input.playbackRate, reason: 'seeking', driftMs };

  if (!target.playing) {
    const action: SyncAction = { playbackRate: 1, reason: 'paused', driftMs };
    if (!input.paused) action.pause = true;
    if (Math.abs(driftMs) > options.pausedToleranceMs) action.seekTo = target.mediaTime;
    return action;
  }

  const first = input.buffered[0];
  if (first === undefined) return { playbackRate: 1, reason: 'no-data', driftMs };

  // Rule 5: tolerate being up to the nudge threshold early; the nudge takes it from there.
  const earlyMs = (first.start - target.mediaTime) * 1000;
  if (earlyMs > options.nudgeThresholdMs) {
    const action: SyncAction = { playbackRate: 1, reason: 'wait-for-channel', driftMs, playInMs: earlyMs };
    if (!input.paused) action.pause = true;
    if (Math.abs(t - first.start) * 1000 > options.pausedToleranceMs) action.seekTo = first.start;
    return action;
  }

  const abs = Math.abs(driftMs);
  if (abs >= options.jumpThresholdMs) {
    const landing = target.mediaTime + options.prerollMs / 1000;
    if (!input.buffered.some((r) => r.start <= landing && landing < r.end)) {
      return { playbackRate: 1, reason: 'wait-for-data', driftMs, ...(input.paused ? {} : { pause: true as const }) };
    }
    const action: SyncAction = { playbackRate: 1, seekTo: landing, reason: 'jump', driftMs, playInMs: options.prerollMs };
    if (!input.paused) action.pause = true;
    return action;
  }
  if (input.paused && driftMs > options.nudgeThresholdMs) return { playbackRate: 1, reason: 'preroll', driftMs, playInMs: driftMs };

  const play = input.paused ? { play: true as const } : {};
  // Keep nudging in the direction we already are until within settleMs (hysteresis).
  const nudging = (driftMs < 0 && input.playbackRate > 1) || (driftMs > 0 && input.playbackRate < 1);
  if (abs > options.nudgeThresholdMs || ((nudging || input.converging === true) && abs > options.settleMs)) {
    return { playbackRate: driftMs < 0 ? 1 + options.nudgeRate : 1 - options.nudgeRate, reason: 'nudge', driftMs, ...play };
  }
  return { playbackRate: 1, reason: 'in-sync', driftMs, ...play };
}
