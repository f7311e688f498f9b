/**
 * What the Player's parts share for one load(): estimators, counters, the channel's last state and
 * the live-edge and sync controllers. (Pipeline state is MsePath's, live resume the Follower's.)
 * Replaced wholesale on each load(), so nothing leaks from one channel into the next.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { BitrateMeter } from './bitrate.js';
import { ClockEstimator } from './clock.js';
import type { PlayerConfig } from './config.js';
import { DelayTracker } from './delay.js';
import { LiveEdgeController } from './live-edge-controller.js';
import { SyncController } from './sync-controller.js';

export class Session {
  readonly clock: ClockEstimator;
  readonly bitrate: BitrateMeter;
  readonly delay = new DelayTracker();
  readonly liveEdge: LiveEdgeController;
  /** Follows the shared playhead on file channels (instead of liveEdge). */
  readonly sync: SyncController;
  /** The last `state` message for our channel. */
  channelInfo: ChannelInfo | null = null;
  /** Epoch and version of the last `state` on the current socket (stale ones are ignored: sync.ts). */
  lastState: { epoch: number; version: number } | null = null;
  /** What `session` said this connection is. */
  role: 'viewer' | 'controller' | null = null;
  /** performance.now() of the last `report` sent. */
  lastReportAt = 0;
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
  /** A socket of this load got `welcome`: WebSockets work here (no progressive fallback for drops). */
  socketWorked = false;
  /** A fatal error stopped this load (the state stays `error` through reconnects). */
  fatal = false;

  constructor(
    readonly channel: string,
    video: HTMLVideoElement,
    config: PlayerConfig,
    /** Starts playback for the sync policy; null when the player must not call play() itself. */
    play: ((video: HTMLVideoElement) => Promise<void>) | null = null,
  ) {
    this.clock = new ClockEstimator(config.clockWindow);
    this.bitrate = new BitrateMeter(config.bitrateWindowMs);
    this.liveEdge = new LiveEdgeController(video, config.liveEdge);
    this.sync = new SyncController(video, config.sync, play);
  }

  close(): void {
    this.sync.reset();
    this.cancelFirstFrame?.();
    this.cancelFirstFrame = null;
  }
}
