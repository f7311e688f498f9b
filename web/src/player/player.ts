/**
 * The viewer: ties the WebSocket, the media pipeline, the clock and the live-edge policy together.
 *
 *   idle ──load()──▶ connecting ──welcome──▶ waiting-init ──first fragment appended──▶ playing
 *   socket dropped or silent (connection.ts) ──▶ reconnecting ──welcome──▶ waiting-init …
 *       (the old picture plays out its buffer; the new socket sends hello + join again and gets a
 *        new pipeline: the live edge on live channels, the channel's position on file channels)
 *   tab hidden for backgroundSuspendMs (visibility.ts) ──▶ suspended ──shown again──▶ connecting …
 *   error: a server error (channel failed, unknown channel…) or a media failure. Recoverable
 *          errors leave the connection up: the next `mse` starts a new pipeline (→ waiting-init).
 *   closed: destroy(); terminal.
 *
 * Progressive fallback (progressive.ts): with no MSE at all, after UNSUPPORTED_CODEC, or after
 * `progressive.socketFailures` failed sockets in a row, a file channel is played from `/vod/…` by a
 * ProgressivePlayback instead (socket and pipeline closed; stats().mode === 'progressive'); its
 * states map onto ours: preparing → connecting, loading → waiting-init, playing → playing.
 *
 * Channel sync: on file channels the `<video>` follows the channel's shared playhead (`state`
 * messages + the clock offset) through the SyncController (sync.ts), never the live-edge controller
 * (which would chase the buffered end, ~1 s ahead of the playhead by design). On live channels a
 * paused channel pauses the video; its resume arrives as a new epoch at the live edge.
 * `command('pause' | 'play' | 'seek', position?)` controls the channel (ack / error reply);
 * `role` says whether this connection is a controller (hello carried the control token).
 *
 * The parts, each per load(): MsePath (mse-path.ts: pipelines, binary frames, recovery), Follower
 * (follower.ts: sync and live-edge ticks), FallbackCoordinator (fallback.ts: MSE ↔ progressive);
 * "is this still the timeline on screen?" is one predicate (timeline.ts). This class wires the
 * socket, dispatches messages and keeps the state.
 *
 * Usage: `const p = new Player(); p.attach(video); p.load('test'); … p.stats(); p.destroy();`
 */
import type { ChannelInfo, ClientMessage } from '../../../server/core/protocol.js';
import { startPlayback } from './autoplay.js';
import { CommandTracker, type CommandReply } from './commands.js';
import { resolvePlayerConfig, type PlayerConfig, type PlayerOptions } from './config.js';
import { Emitter } from './emitter.js';
import { ErrorLog, PlayerErrorCode, describeError, hasErrorName, type PlayerError } from './errors.js';
import { FallbackCoordinator } from './fallback.js';
import { Follower } from './follower.js';
import { detectMediaSource, type MediaSourceApi } from './media-source.js';
import { MsePath } from './mse-path.js';
import type { PlayerEvents, PlayerHost, Role } from './player-events.js';
import { Pinger } from './pinger.js';
import { openSocket, sendReport, type Load, type SocketHost } from './player-socket.js';
import { serverSocketUrl } from './server-url.js';
import { Session } from './session.js';
import { collectStats, type PlayerState, type PlayerStats } from './stats.js';
import { VisibilityWatcher } from './visibility.js';

export type { PlayerState, PlayerStats } from './stats.js';
export type { CommandReply } from './commands.js';
export type { PlayerEvents, Role } from './player-events.js';

export class Player extends Emitter<PlayerEvents> {
  readonly config: PlayerConfig;
  private _state: PlayerState = 'idle';
  private video: HTMLVideoElement | null = null;
  private readonly api: MediaSourceApi | null = detectMediaSource();
  private current: Load | null = null;
  private readonly pinger: Pinger;
  private readonly errors: ErrorLog;
  /** play / pause / seek awaiting their ack. */
  private readonly commands: CommandTracker;
  /** What the socket side (player-socket.ts) may use; null without Media Source support. */
  private readonly socketHost: SocketHost | null;
  /** What the parts (MsePath, Follower, FallbackCoordinator) may do to the player. */
  private readonly host: PlayerHost = {
    state: () => this._state,
    setState: (to) => this.setState(to),
    emit: (name, payload) => this.emit(name, payload),
    report: (e) => this.report(e),
    fail: (e) => this.fail(e),
  };

  constructor(options: PlayerOptions = {}) {
    super();
    this.config = resolvePlayerConfig(options);
    this.commands = new CommandTracker(this.config.commandTimeoutMs);
    this.errors = new ErrorLog(this.config.maxErrors);
    this.pinger = new Pinger(() => this.send({ type: 'ping', t0: Date.now() }), this.config.ping);
    const api = this.api;
    this.socketHost = api && {
      ...this.host,
      config: this.config,
      api,
      pinger: this.pinger,
      commands: this.commands,
      isCurrent: (load) => this.current === load,
      stats: () => this.stats(),
    };
  }

  get state(): PlayerState {
    return this._state;
  }

  /** 'controller' when the server accepted our token, 'viewer' otherwise; null until it said so. */
  get role(): Role | null {
    return this.current?.session.role ?? null;
  }

  /** The last `state` of our channel (null before one arrived). */
  get channel(): ChannelInfo | null {
    return this.current?.session.channelInfo ?? null;
  }

  /**
   * Controls the joined channel for every viewer: `play`, `pause`, or `seek` to `position` seconds
   * into the file. Resolves with the server's `ack`, or an `error` (FORBIDDEN, NOT_SEEKABLE,
   * BAD_SEEK, RATE_LIMITED…, or NOT_CONNECTED / COMMAND_TIMEOUT from here); never rejects.
   */
  command(type: 'play' | 'pause' | 'seek', position?: number): Promise<CommandReply> {
    if (type === 'seek' && (position === undefined || !Number.isFinite(position))) {
      return Promise.resolve({ type: 'error', id: '', code: 'BAD_SEEK', message: 'seek needs a finite position in seconds' });
    }
    const message = type === 'seek' ? { type, position: position! } : { type };
    return this.commands.send(message, (m) => this.send(m));
  }

  /**
   * Posts a timed comment on the joined channel (stamped by the server with the channel's position);
   * every viewer, this one included, then gets it as a `comment` event. Resolves with `ack` or
   * `error` (COMMENT_EMPTY, COMMENT_TOO_LONG, RATE_LIMITED, NOT_JOINED…); never rejects.
   */
  comment(text: string, name?: string): Promise<CommandReply> {
    return this.commands.send({ type: 'comment', text, ...(name !== undefined ? { name } : {}) }, (m) => this.send(m));
  }

  /** Controllers: deletes comment `id` for everyone (`comment-deleted` event); FORBIDDEN otherwise. */
  deleteComment(id: number): Promise<CommandReply> {
    return this.commands.send({ type: 'delete-comment', comment: id }, (m) => this.send(m));
  }

  attach(video: HTMLVideoElement): void {
    if (this._state === 'closed') throw new Error('Player: attach() after destroy()');
    if (this.video === video) return;
    if (this.video) throw new Error('Player: already attached to a video element');
    this.video = video;
    // The player decides when to play (sync preroll, paused channels, the live edge). With the
    // autoplay attribute the browser would start a new MediaSource by itself as soon as data is
    // buffered, ahead of the shared playhead. (Progressive playback saves and restores it.)
    video.autoplay = false;
    video.addEventListener('error', this.onVideoError);
  }

  /** Starts (or switches to) a channel. Requires attach() first. */
  load(channel: string): void {
    if (this._state === 'closed') throw new Error('Player: load() after destroy()');
    const video = this.video;
    if (!video) throw new Error('Player: call attach(video) before load()');
    this.stopLoad();
    this.errors.clear();
    const play = this.config.autoplay ? this.playVideo : null;
    const session = new Session(channel, video, this.config, play);
    const follower = new Follower(video, session, {
      isOnScreen: (epoch) => load.mse?.isOnScreen(epoch) ?? false,
      playing: () => this._state === 'playing',
      play,
    });
    const fallback = new FallbackCoordinator(video, session, this.config, {
      ...this.host,
      consecutiveFailures: () => load.connection?.consecutiveFailures ?? 0,
      endMse: () => this.endMse(load),
    });
    const load: Load = { session, follower, fallback, mse: null, connection: null, tickTimer: null, visibility: null };
    this.current = load;
    this.setState('connecting');
    if (this.api === null) {
      // Neither ManagedMediaSource nor MediaSource: file channels play progressively, others fail.
      fallback.consider({ kind: 'no-mse' });
      return;
    }
    load.mse = new MsePath(video, this.api, this.config, session, {
      ...this.host,
      send: (m) => this.send(m),
      newTimeline: () => follower.newTimeline(),
      firstFragment: () => follower.firstFragment(),
      fragmentAppended: () => follower.fragmentAppended(),
    });
    load.connection = openSocket(load, this.socketHost!, this.config.url ?? serverSocketUrl(this.config.server, location));
    load.tickTimer = setInterval(() => this.tick(load), this.config.tickMs);
    if (this.config.backgroundSuspendMs > 0 && typeof document !== 'undefined') {
      load.visibility = new VisibilityWatcher(document, this.config.backgroundSuspendMs, {
        suspend: () => this.suspend(),
        resume: () => this.resume(),
        audible: () => this.audible(),
      });
      load.visibility.start();
    }
  }

  /**
   * Closes the stream (socket) until resume(), keeping the last picture: what a background tab
   * does (visibility.ts). Ignored while no MSE stream runs (progressive playback, errors, closed).
   */
  suspend(): void {
    const connection = this.current?.connection;
    if (!connection || this.current?.fallback.active || this._state === 'closed' || this._state === 'suspended') return;
    this.pinger.stop();
    this.commands.cancelAll('the player suspended its stream');
    connection.suspend();
    this.video?.pause();
    this.setState('suspended');
    this.emit('suspend', { suspended: true });
  }

  /** Connects again after suspend(): a fresh start at the live edge or the channel's position. */
  resume(): void {
    const connection = this.current?.connection;
    if (this._state !== 'suspended' || !connection) return;
    this.setState('connecting');
    this.emit('suspend', { suspended: false });
    connection.resume();
  }

  /** Unmutes after the autoplay policy forced muted playback; call it from a user gesture. */
  async unmute(): Promise<void> {
    if (!this.video) return;
    this.video.muted = false;
    if (this.video.paused) await this.video.play();
  }

  destroy(): void {
    if (this._state === 'closed') return;
    this.stopLoad();
    this.video?.removeEventListener('error', this.onVideoError);
    this.video = null;
    this.setState('closed');
    this.removeAllListeners();
  }

  stats(): PlayerStats {
    const load = this.current;
    return collectStats({
      state: this._state,
      session: load?.session ?? null,
      video: this.video,
      mode: load?.fallback.active ? 'progressive' : (this.api?.mode ?? null),
      pipeline: load?.mse?.pipeline ?? null,
      recoveries: load?.mse?.recoveries ?? 0,
      consecutiveFailures: load?.connection?.consecutiveFailures ?? 0,
      reconnectAttempt: this._state === 'reconnecting' ? (load?.connection?.retryNumber ?? 0) : 0,
      errors: this.errors.list(),
      role: this.role,
    });
  }

  // ---- ticks, media and playback -------------------------------------------------------------

  /** Every tickMs: a `report` now and then, and while playing the follower and back-buffer trims. */
  private tick(load: Load): void {
    const now = performance.now();
    const s = load.session;
    if (now - s.lastReportAt >= this.config.reportIntervalMs) {
      s.lastReportAt = now;
      if (this.socketHost) sendReport(load, this.socketHost);
    }
    if (!load.mse?.pipeline || this._state !== 'playing') return;
    load.follower.tick(now);
    load.mse.trim(now);
  }

  private readonly onVideoError = (): void => {
    const err = this.video?.error;
    if (err) this.current?.mse?.onVideoError(err);
  };

  /** The page plays sound someone may be listening to (then a background tab keeps its stream). */
  private audible(): boolean {
    const v = this.video;
    return v !== null && !v.paused && !v.muted && v.volume > 0;
  }

  /** play(), muted if the autoplay policy wants it; failures are reported, never thrown. */
  private readonly playVideo = (video: HTMLVideoElement): Promise<void> =>
    startPlayback(video).then(
      (result) => {
        if (result.muted) this.emit('autoplay-muted', { reason: result.reason });
      },
      (err: unknown) => {
        // AbortError: the load was interrupted by a newer source (new epoch) or a pause; whoever
        // interrupted it calls play() again when needed.
        if (hasErrorName(err, 'AbortError')) console.debug('pushcast: play() aborted', err);
        else this.report({ code: PlayerErrorCode.PLAY_FAILED, message: `play() failed: ${describeError(err)}`, fatal: false });
      },
    );

  private send(message: ClientMessage): boolean {
    return this.current?.connection?.send(message) ?? false;
  }

  // ---- state, errors and teardown ------------------------------------------------------------

  private setState(to: PlayerState): void {
    const from = this._state;
    if (from === to || from === 'closed') return;
    this._state = to;
    this.emit('state', { from, to });
  }

  /** Records an error and emits it, without changing state (repeats are dropped: ErrorLog). */
  private report(error: PlayerError): void {
    if (this.errors.record(error, performance.now())) this.emit('error', error);
  }

  /** Records an error and enters the error state. */
  private fail(error: PlayerError): void {
    if (error.fatal && this.current) this.current.session.fatal = true;
    this.report(error);
    this.setState('error');
  }

  /** The progressive fallback takes over: no ticks, pings, socket or pipeline any more. */
  private endMse(load: Load): void {
    if (load.tickTimer !== null) clearInterval(load.tickTimer);
    load.tickTimer = null;
    this.pinger.stop();
    load.connection?.close();
    load.connection = null;
    load.mse?.destroy();
    load.mse = null;
    // A pending "play in N ms" of the sync policy must not start the progressive <video> early.
    load.follower.stop();
  }

  private stopLoad(): void {
    this.commands.cancelAll('the player stopped before the server answered');
    const load = this.current;
    if (!load) return;
    load.fallback.stop();
    this.endMse(load);
    load.visibility?.stop();
    load.visibility = null;
    load.session.close();
    this.current = null;
  }
}

/** ws(s)://<page host>/ws: same origin as the page, so it works behind the server and Vite dev. */
export function defaultSocketUrl(): string {
  return serverSocketUrl(null, location);
}
