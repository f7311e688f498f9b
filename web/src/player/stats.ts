/** The shape returned by Player.stats() (a snapshot; sample it as often as you like), and its assembly. */
import type { ChannelStatus, PlaybackMode } from '../../../server/core/protocol.js';
import { foldPosition } from '../../../server/core/playhead.js';
import type { PlayerError } from './errors.js';
import { toRanges, type LiveEdgeReason } from './live-edge.js';
import type { MediaPipeline } from './media-pipeline.js';
import type { Session } from './session.js';
import type { SyncReason } from './sync.js';

/**
 * connecting: the first socket of a load() (or the one after suspended); reconnecting: the socket
 * dropped or went silent and a retry is scheduled or under way (the picture may still play out its
 * buffer); suspended: a background tab closed its stream (visibility.ts) until it is shown again.
 */
export type PlayerState = 'idle' | 'connecting' | 'reconnecting' | 'suspended' | 'waiting-init' | 'playing' | 'error' | 'closed';

export interface PlayerStats {
  state: PlayerState;
  /** Channel id passed to load(), or null. */
  channel: string | null;
  /** The channel's status from the last `state` message. */
  channelStatus: ChannelStatus | null;
  /**
   * 'mse', 'mms' (ManagedMediaSource) or 'progressive' (the `<video src="/vod/…">` fallback,
   * progressive.ts); null without Media Source support and no fallback (yet).
   */
  mode: PlaybackMode | null;
  epoch: number | null;
  mime: string | null;
  /**
   * Live and test channels: seconds between the frame on screen being written by ffmpeg and now
   * (delay.ts); null until known. Always null on file channels: their ffmpeg reads ahead of the
   * shared playhead on purpose, so "behind live" means nothing there (see driftMs instead).
   */
  delaySec: number | null;
  /** Seconds buffered ahead of currentTime. */
  bufferSec: number;
  /** Bits per second received over the last ~5 s (all binary frames). */
  bitrateBps: number;
  droppedFrames: number;
  totalFrames: number;
  currentTime: number;
  playbackRate: number;
  /** ms from the WebSocket opening to the first video frame rendered; null until then. */
  firstFrameMs: number | null;
  /** Live-edge stalls detected (each one also counts as a jump). */
  stalls: number;
  /** Seeks made by the live-edge policy. */
  jumps: number;
  /** Why the last live-edge decision was taken. */
  liveEdge: LiveEdgeReason | null;
  /** Server clock − client clock, ms (best of the last samples); null before the first pong. */
  clockOffsetMs: number | null;
  rttMs: number | null;
  bytesReceived: number;
  fragmentsReceived: number;
  /** Binary frames dropped because no `mse` announced them (e.g. from a previous channel). */
  framesDropped: number;
  /** WebSocket (re)connections opened for this load(). */
  connections: number;
  /** Connections in a row that closed before delivering a message. */
  consecutiveFailures: number;
  /** The reconnect attempt under way or scheduled ("reconnecting (attempt n)"); 0 while connected. */
  reconnectAttempt: number;
  /** Media pipelines rebuilt after an error. */
  recoveries: number;
  muted: boolean;
  errors: Array<Pick<PlayerError, 'code' | 'message' | 'fatal'>>;
  /** What the server said this connection is (`session`); null before it did. */
  role: 'viewer' | 'controller' | null;
  /** The channel plays (false: a controller paused it); null before the first `state`. */
  playing: boolean | null;
  /** File channels: currentTime − the channel's shared position, ms (+ ahead); null otherwise (sync.ts). */
  driftMs: number | null;
  /** Why the last sync decision was taken (file channels). */
  sync: SyncReason | null;
  /** Seeks made by the sync policy. */
  syncJumps: number;
  /** File channels: seconds into the file of the frame on screen; null for live or another epoch. */
  position: number | null;
  /** File channels: the file's length in seconds; null for live or unknown. */
  duration: number | null;
}

export interface StatsSources {
  state: PlayerState;
  session: Session | null;
  video: HTMLVideoElement | null;
  mode: PlaybackMode | null;
  pipeline: MediaPipeline | null;
  /** Pipelines rebuilt after an error within the recovery window (MsePath). */
  recoveries: number;
  consecutiveFailures: number;
  reconnectAttempt: number;
  errors: PlayerStats['errors'];
  role: PlayerStats['role'];
}

/** Reads the player's parts into one PlayerStats snapshot. */
export function collectStats({ state, session: s, video: v, mode, pipeline, recoveries, consecutiveFailures, reconnectAttempt, errors, role }: StatsSources): PlayerStats {
  const currentTime = v?.currentTime ?? 0;
  const end = v ? toRanges(v.buffered).at(-1)?.end : undefined;
  const best = s?.clock.best ?? null;
  const quality = v && typeof v.getVideoPlaybackQuality === 'function' ? v.getVideoPlaybackQuality() : null;
  const info = s?.channelInfo ?? null;
  const isFile = info?.kind === 'file';
  // The file position of currentTime: the state pairs mediaTime with position on this timeline.
  const position = info && info.position !== null && (mode === 'progressive' || pipeline?.epoch === info.epoch)
    ? (mode === 'progressive' ? currentTime : foldPosition(info.position + currentTime - info.mediaTime, info.duration))
    : null;
  return {
    state,
    channel: s?.channel ?? null,
    channelStatus: s?.channelInfo?.status ?? null,
    mode,
    epoch: pipeline?.epoch ?? null,
    mime: pipeline?.mime ?? null,
    // Only meaningful while the frame on screen belongs to the current timeline.
    delaySec: s && state === 'playing' && !isFile ? s.delay.delay(Date.now(), best?.offsetMs ?? null, currentTime) : null,
    bufferSec: end !== undefined ? Math.max(0, end - currentTime) : 0,
    bitrateBps: s ? Math.round(s.bitrate.bps(performance.now())) : 0,
    droppedFrames: quality?.droppedVideoFrames ?? 0,
    totalFrames: quality?.totalVideoFrames ?? 0,
    currentTime,
    playbackRate: v?.playbackRate ?? 1,
    firstFrameMs: s?.firstFrameMs ?? null,
    stalls: s?.liveEdge.stalls ?? 0,
    jumps: s?.liveEdge.jumps ?? 0,
    liveEdge: s?.liveEdge.lastReason ?? null,
    clockOffsetMs: best?.offsetMs ?? null,
    rttMs: best?.rttMs ?? null,
    bytesReceived: s?.bytesReceived ?? 0,
    fragmentsReceived: s?.fragmentsReceived ?? 0,
    framesDropped: s?.framesDropped ?? 0,
    connections: s?.connections ?? 0,
    consecutiveFailures,
    reconnectAttempt,
    recoveries,
    muted: v?.muted ?? false,
    errors,
    role,
    playing: info?.playing ?? null,
    driftMs: isFile && mode !== 'progressive' ? (s?.sync.driftMs ?? null) : null,
    sync: isFile ? (s?.sync.lastReason ?? null) : null,
    syncJumps: s?.sync.jumps ?? 0,
    position,
    duration: info?.duration ?? null,
  };
}
