/**
 * Everything the Player tracks for one load(): estimators, counters and the live-edge controller.
 * Replaced wholesale on each load(), so nothing leaks from one channel into the next.
 */
import type { ChannelInfo } from '../../../server/protocol.js';
import { BitrateMeter } from './bitrate.js';
import { ClockEstimator } from './clock.js';
import type { PlayerConfig } from './config.js';
import { DelayTracker } from './delay.js';
import { LiveEdgeController } from './live-edge-controller.js';

export class Session {
  readonly clock: ClockEstimator;
  readonly bitrate: BitrateMeter;
  readonly delay = new DelayTracker();
  readonly liveEdge: LiveEdgeController;
  /** The last `state` message for our channel. */
  channelInfo: ChannelInfo | null = null;
  /** performance.now() when the first socket of this load opened (first-frame time origin). */
  firstOpenAt: number | null = null;
  firstFrameMs: number | null = null;
  cancelFirstFrame: (() => void) | null = null;
  bytesReceived = 0;
  fragmentsReceived = 0;
  /** Binary frames that arrived with no pipeline to take them. */
  framesDropped = 0;
  /** Sockets opened so far; also identifies the current one. */
  connections = 0;
  /** performance.now() of recent pipeline rebuilds (Player.onMediaFailure). */
  recoveryTimes: number[] = [];
  lastTrimAt = 0;
  /** Set by `mse`: the next binary frame is an init segment. */
  expectInit = false;

  constructor(
    readonly channel: string,
    video: HTMLVideoElement,
    config: PlayerConfig,
  ) {
    this.clock = new ClockEstimator(config.clockWindow);
    this.bitrate = new BitrateMeter(config.bitrateWindowMs);
    this.liveEdge = new LiveEdgeController(video, config.liveEdge);
  }

  close(): void {
    this.cancelFirstFrame?.();
    this.cancelFirstFrame = null;
  }
}
