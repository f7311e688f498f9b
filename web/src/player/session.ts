/**
 * Everything the Player tracks for one load(): estimators, counters and the live-edge controller.
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
  /** Live channels: we paused the video because the channel was paused; play when it resumes. */
  resumeOnPlay = false;
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
  /** performance.now() of recent pipeline rebuilds (Player.onMediaFailure). */
  recoveryTimes: number[] = [];
  lastTrimAt = 0;
  /** Set by `mse`: the next binary frame is an init segment. */
  expectInit = false;
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
