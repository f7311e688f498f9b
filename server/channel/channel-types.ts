/**
 * The types of a channel's public face (channel.ts re-exports them): what a viewer implements, the
 * options a registry builds a channel with, its events and addViewer's answer.
 */
import type { ErrorCode, PushcastError } from '../core/errors.js';
import type { ChannelInfo, ChannelOrigin } from '../core/protocol.js';
import type { OutputTuning } from '../ffmpeg/args.js';
import type { FfmpegRun, Fragment, FragmenterOptions, InitSegment } from '../ffmpeg/fragmenter.js';
import type { FfmpegSlots } from '../ffmpeg/slots.js';
import type { ChildSet } from '../runtime/children.js';
import type { Logger } from '../runtime/log.js';
import type { PacerOptions } from './pacer.js';
import type { ChannelSource } from './sources.js';
import type { ResumePoint } from './timeline.js';

/** What a channel needs from each viewer; a session implements it. Must not throw. */
export interface ChannelViewer {
  /**
   * An init segment. A new `epoch` means a new timeline (drop the old one); the same epoch as
   * before means a re-initialisation on the same timeline (e.g. the next loop of a file).
   */
  onInit(init: InitSegment, epoch: number): void;
  onFragment(fragment: Fragment, epoch: number): void;
  onState(info: ChannelInfo): void;
  /**
   * The source failed (ffmpeg exit, unreadable input); the channel retries by itself. CHANNEL_DELETED:
   * the channel was deleted and has already forgotten this viewer.
   */
  onError(error: PushcastError): void;
}

export interface ChannelOptions {
  id: string;
  source: ChannelSource;
  ffmpegPath: string;
  tuning: OutputTuning;
  keepAlive: boolean;
  idleStopMs: number;
  stopTimeoutMs: number;
  /** Backoff after failed starts, ms: restartMinMs doubling to restartMaxMs (channel-supervisor.ts). */
  restartMinMs: number;
  restartMaxMs: number;
  /** Failed starts in a row before `retrying` becomes `error`. */
  maxStartAttempts: number;
  /** Retry interval once in `error`, ms. */
  errorRetryMs: number;
  gopCacheMaxBytes: number;
  /** No ffmpeg output for this long (ms) counts as a dead source. */
  stallTimeoutMs: number;
  /** A probe (the start's source.prepare) that has not answered by then fails the start, ms. */
  probeTimeoutMs: number;
  /** Viewers beyond this are refused (addViewer answers CHANNEL_FULL). */
  maxViewers: number;
  /** The registry-wide ffmpeg limit; without it the channel starts ffmpeg whenever it wants. */
  slots?: FfmpegSlots;
  /** Tracks ffmpeg and ffprobe processes for shutdown. */
  children?: ChildSet;
  /** Pacing of file channels. */
  pace: PacerOptions;
  /** Viewers get the state at least this often, ms. */
  stateIntervalMs: number;
  /** URL path of the file under /vod/ for progressive playback, or null. */
  vod: string | null;
  /** Any viewer may control the channel, not only controllers. */
  openControl: boolean;
  /** Where the channel came from, for its info (the registry sets it). */
  origin?: ChannelOrigin;
  log: Logger;
  /** File channels: where the playhead stood when the process last ended (it starts frozen there). */
  resume?: ResumePoint | null;
  /** Makes the ffmpeg run of each start, loop and seek; the real Fragmenter unless a test fakes it. */
  createRun?: (opts: FragmenterOptions) => FfmpegRun;
}

/** Why an ffmpeg run started: a first start, a retry after a failure, a file's next loop, a seek. */
export type SpawnReason = 'start' | 'retry' | 'loop' | 'seek';

export interface ChannelEvents {
  state: [ChannelInfo];
  /** An ffmpeg process was spawned; `restart` when it retries after a failure (for metrics). */
  spawn: [{ restart: boolean; reason: SpawnReason }];
}

/** addViewer's answer: a refused viewer was not added and gets nothing from the channel. */
export type AddViewerResult =
  | { ok: true }
  | { ok: false; code: typeof ErrorCode.CHANNEL_FULL | typeof ErrorCode.SHUTTING_DOWN; message: string };

