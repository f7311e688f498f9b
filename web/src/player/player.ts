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
 * Usage: `const p = new Player(); p.attach(video); p.load('test'); … p.stats(); p.destroy();`
 */
import { PROTOCOL_VERSION, type ChannelInfo, type MseMessage, type PlaybackMode, type ServerMessage } from '../../../server/core/protocol.js';
import { startsWithKeyframe } from '../../../server/core/moof.js';
import { readPrft } from '../../../server/core/prft.js';
import { startPlayback } from './autoplay.js';
import { CommandTracker, type CommandReply } from './commands.js';
import { resolvePlayerConfig, type PlayerConfig, type PlayerOptions } from './config.js';
import { Connection, SILENT_CLOSE_CODE } from './connection.js';
import { Emitter } from './emitter.js';
import { ErrorLog, PlayerErrorCode, describeError, hasErrorName, type PlayerError } from './errors.js';
import { watchFirstFrame } from './first-frame.js';
import { detectMediaSource, playableCodecs, type MediaSourceApi } from './media-source.js';
import { MediaPipeline, type SegmentMeta } from './media-pipeline.js';
import { Pinger } from './pinger.js';
import { decideFallback, probeChannel, ProgressivePlayback, type ChannelProbe, type FallbackTrigger } from './progressive.js';
import { Session } from './session.js';
import { collectStats, type PlayerState, type PlayerStats } from './stats.js';
import { channelTime, isStaleState, type SyncTarget } from './sync.js';
import { VisibilityWatcher } from './visibility.js';

export type { PlayerState, PlayerStats } from './stats.js';
export type { CommandReply } from './commands.js';
export type Role = 'viewer' | 'controller';

export interface PlayerEvents {
  state: { from: PlayerState; to: PlayerState };
  /** Every `state` message for our channel. */
  channel: ChannelInfo;
  /** A new timeline (epoch) started. */
  epoch: { epoch: number; mime: string };
  error: PlayerError;
  'first-frame': { ms: number };
  /** Playback had to start muted (autoplay policy); offer an unmute button that calls unmute(). */
  'autoplay-muted': { reason: string };
  /**
   * The socket dropped (or went silent: code 4000); reconnect attempt `attempt` follows after
   * retryInMs. `code` is the WebSocket close code (server/protocol.ts CloseCode, 1006 for a drop).
   */
  disconnect: { consecutiveFailures: number; retryInMs: number; attempt: number; code: number; reason: string };
  /** A background tab closed its stream (suspended: true) or picked it up again (false). */
  suspend: { suspended: boolean };
  /** The playback path changed (today only to 'progressive', the fallback); `reason` says why. */
  mode: { mode: PlaybackMode; reason: string };
  /** The server told us who we are (after every hello). */
  session: { sessionId: string; role: Role };
}

/** Server codes after which the channel comes back by itself (it retries and sends a fresh `mse`). */
const RECOVERABLE_SERVER_CODES: ReadonlySet<string> = new Set(['FFMPEG_EXIT', 'SOURCE_UNAVAILABLE', 'BAD_STREAM', 'RATE_LIMITED', 'INTERNAL']);

export class Player extends Emitter<PlayerEvents> {
  readonly config: PlayerConfig;
  private _state: PlayerState = 'idle';
  private video: HTMLVideoElement | null = null;
  private readonly api: MediaSourceApi | null = detectMediaSource();
  private connection: Connection | null = null;
  private pipeline: MediaPipeline | null = null;
  /** Which connection (Session.connections at the time) announced the current pipeline's `mse`. */
  private pipelineConnection = 0;
  private session: Session | null = null;
  private readonly pinger: Pinger;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private readonly errors: ErrorLog;
  /** The progressive fallback of this load(), once it took over. */
  private progressive: ProgressivePlayback | null = null;
  /** The channel lookup deciding on the fallback, while it runs. */
  private fallbackProbe: AbortController | null = null;
  /** play / pause / seek awaiting their ack. */
  private readonly commands: CommandTracker;
  /** Suspends the stream of a background tab (null: no document, or backgroundSuspendMs 0). */
  private visibility: VisibilityWatcher | null = null;

  constructor(options: PlayerOptions = {}) {
    super();
    this.config = resolvePlayerConfig(options);
    this.commands = new CommandTracker(this.config.commandTimeoutMs);
    this.errors = new ErrorLog(this.config.maxErrors);
    this.pinger = new Pinger(() => this.connection?.send({ type: 'ping', t0: Date.now() }), this.config.ping);
  }

  get state(): PlayerState {
    return this._state;
  }

  /** 'controller' when the server accepted our token, 'viewer' otherwise; null until it said so. */
  get role(): Role | null {
    return this.session?.role ?? null;
  }

  /** The last `state` of our channel (null before one arrived). */
  get channel(): ChannelInfo | null {
    return this.session?.channelInfo ?? null;
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
    return this.commands.send(message, (m) => this.connection?.send(m) ?? false);
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
    if (!this.video) throw new Error('Player: call attach(video) before load()');
    this.stopSession();
    this.errors.clear();
    const session = new Session(channel, this.video, this.config, this.config.autoplay ? this.playVideo : null);
    this.session = session;
    if (this.api === null) {
      // Neither ManagedMediaSource nor MediaSource: file channels play progressively, others fail.
      this.setState('connecting');
      this.tryProgressive(session, { kind: 'no-mse' });
      return;
    }
    this.setState('connecting');
    const connection = new Connection(this.config.url ?? defaultSocketUrl(), { ...this.config.backoff, silenceTimeoutMs: this.config.silenceTimeoutMs });
    this.connection = connection;
    connection.on('open', () => {
      session.connections++;
      session.firstOpenAt ??= performance.now();
      this.pinger.start();
    });
    connection.on('message', (m) => this.onMessage(m));
    connection.on('binary', (data) => this.onBinary(data));
    connection.on('invalid', (e) => this.report({ code: PlayerErrorCode.BAD_SERVER_MESSAGE, message: `${e.reason}: ${e.raw}`, fatal: false }));
    connection.on('disconnect', (e) => {
      this.pinger.stop();
      this.commands.cancelAll('the connection closed before the server answered');
      const what = e.code === SILENT_CLOSE_CODE ? 'WebSocket silent' : 'WebSocket closed';
      const message = `${what} (code ${e.code}${e.reason ? `, ${e.reason}` : ''}); reconnect attempt ${e.retry} in ${e.retryInMs} ms`;
      this.report({ code: PlayerErrorCode.CONNECTION, message, fatal: false });
      // A channel error the server recovers from (FFMPEG_EXIT…) gives way to the socket's state.
      if (this._state !== 'error' || !session.fatal) this.setState('reconnecting');
      this.emit('disconnect', { consecutiveFailures: e.consecutiveFailures, retryInMs: e.retryInMs, attempt: e.retry, code: e.code, reason: e.reason });
      // The fallback is for a network that blocks WebSockets. Once a socket has worked in this
      // load, failures mean the server is away (a restart): keep reconnecting, do not switch.
      if (!session.socketWorked && e.consecutiveFailures >= this.config.progressive.socketFailures) {
        this.tryProgressive(session, { kind: 'socket-failures', failures: e.consecutiveFailures });
      }
    });
    connection.connect();
    this.tickTimer = setInterval(() => this.tick(), this.config.tickMs);
    if (this.config.backgroundSuspendMs > 0 && typeof document !== 'undefined') {
      this.visibility = new VisibilityWatcher(document, this.config.backgroundSuspendMs, {
        suspend: () => this.suspend(),
        resume: () => this.resume(),
        audible: () => this.audible(),
      });
      this.visibility.start();
    }
  }

  /**
   * Closes the stream (socket) until resume(), keeping the last picture: what a background tab
   * does (visibility.ts). Ignored while no MSE stream runs (progressive playback, errors, closed).
   */
  suspend(): void {
    const connection = this.connection;
    if (!connection || this.progressive || this._state === 'closed' || this._state === 'suspended') return;
    this.pinger.stop();
    this.commands.cancelAll('the player suspended its stream');
    connection.suspend();
    this.video?.pause();
    this.setState('suspended');
    this.emit('suspend', { suspended: true });
  }

  /** Connects again after suspend(): a fresh start at the live edge or the channel's position. */
  resume(): void {
    if (this._state !== 'suspended' || !this.connection) return;
    this.setState('connecting');
    this.emit('suspend', { suspended: false });
    this.connection.resume();
  }

  /** The page plays sound someone may be listening to (then a background tab keeps its stream). */
  private audible(): boolean {
    const v = this.video;
    return v !== null && !v.paused && !v.muted && v.volume > 0;
  }

  /** Unmutes after the autoplay policy forced muted playback; call it from a user gesture. */
  async unmute(): Promise<void> {
    if (!this.video) return;
    this.video.muted = false;
    if (this.video.paused) await this.video.play();
  }

  destroy(): void {
    if (this._state === 'closed') return;
    this.stopSession();
    this.video?.removeEventListener('error', this.onVideoError);
    this.video = null;
    this.setState('closed');
    this.removeAllListeners();
  }

  stats(): PlayerStats {
    return collectStats({
      state: this._state,
      session: this.session,
      video: this.video,
      mode: this.progressive ? 'progressive' : (this.api?.mode ?? null),
      pipeline: this.pipeline,
      consecutiveFailures: this.connection?.consecutiveFailures ?? 0,
      reconnectAttempt: this._state === 'reconnecting' ? (this.connection?.retryNumber ?? 0) : 0,
      errors: this.errors.list(),
      role: this.role,
    });
  }

  // ---- server messages ---------------------------------------------------------------------

  private onMessage(m: ServerMessage): void {
    const s = this.session;
    if (!s || !this.connection) return;
    switch (m.type) {
      case 'welcome': {
        if (m.protocol !== PROTOCOL_VERSION) {
          this.fail({ code: PlayerErrorCode.PROTOCOL_VERSION, message: `server speaks protocol ${m.protocol}, this page ${PROTOCOL_VERSION}`, fatal: true });
          this.connection.close();
          return;
        }
        const api = this.api!;
        s.socketWorked = true;
        s.lastState = null; // versions are per server run: a new socket may meet a restarted server
        const token = this.config.token !== null ? { token: this.config.token } : {};
        this.connection.send({ type: 'hello', codecs: playableCodecs(api), mode: api.mode, ...token });
        this.connection.send({ type: 'join', channel: s.channel });
        // After a reconnect the old pipeline (if any) keeps playing its buffer until `mse` + init arrive.
        if (this._state === 'connecting' || this._state === 'reconnecting') this.setState('waiting-init');
        return;
      }
      case 'state':
        if (m.channel.id !== s.channel) return;
        this.onChannelState(s, m.channel);
        return;
      case 'mse':
        if (m.channel !== s.channel) {
          this.report({ code: PlayerErrorCode.BAD_SERVER_MESSAGE, message: `mse for channel "${m.channel}", joined "${s.channel}"`, fatal: false });
          return;
        }
        this.onMse(s, m);
        return;
      case 'pong':
        s.clock.addPong(m.t0, m.t1, m.t2, Date.now());
        return;
      case 'session':
        s.role = m.role;
        this.emit('session', { sessionId: m.sessionId, role: m.role });
        return;
      case 'error':
        // The answer to one of our commands: the caller of command() shows it, the player goes on.
        if (this.commands.settle(m)) return;
        if (m.code === 'UNSUPPORTED_CODEC') {
          // A file channel falls back to progressive playback, others fail: decideFallback.
          this.tryProgressive(s, { kind: 'unsupported-codec', error: { code: m.code, message: m.message, fatal: true } });
          return;
        }
        this.fail({ code: m.code, message: m.message, fatal: !RECOVERABLE_SERVER_CODES.has(m.code) });
        return;
      case 'ack':
        this.commands.settle(m);
        return;
      case 'overview':
        return; // only for dashboards (subscribe), which use ControlClient
    }
  }

  private onChannelState(s: Session, info: ChannelInfo): void {
    if (isStaleState(s.lastState, info)) return;
    s.lastState = { epoch: info.epoch, version: info.version };
    const previous = s.channelInfo;
    s.channelInfo = info;
    this.emit('channel', info);
    this.followChannel(s, info);
    if (info.status === 'error' && info.error) {
      const same = previous?.error?.code === info.error.code && previous.error.message === info.error.message;
      if (!same) this.fail({ code: info.error.code, message: info.error.message, fatal: !RECOVERABLE_SERVER_CODES.has(info.error.code) });
    }
  }

  private onMse(s: Session, m: MseMessage): void {
    s.expectInit = true;
    const p = this.pipeline;
    // Epochs are only comparable within one connection: after a reconnect the server may have
    // restarted and count epochs from the start again, so a new socket always gets a new pipeline.
    if (p && !p.failed && p.epoch === m.epoch && p.mime === m.mime && this.pipelineConnection === s.connections) {
      // Same timeline announced again: keep the MediaSource and append the repeated init; the next
      // fragment moves us back to `playing`.
      this.setState('waiting-init');
      return;
    }
    this.startPipeline(s, m.mime, m.epoch);
  }

  private onBinary(data: ArrayBuffer): void {
    const s = this.session;
    if (!s) return;
    s.bytesReceived += data.byteLength;
    s.bitrate.add(data.byteLength, performance.now());
    if (!this.pipeline || this.pipeline.failed) {
      s.framesDropped++; // no `mse` announced it (stale data of an old channel/pipeline)
      return;
    }
    if (s.expectInit) {
      s.expectInit = false;
      this.pipeline.appendInit(data);
      return;
    }
    s.fragmentsReceived++;
    const bytes = new Uint8Array(data);
    const prft = readPrft(bytes);
    this.pipeline.appendFragment(data, prft?.wallClockMs ?? null, startsWithKeyframe(bytes));
  }

  // ---- media -------------------------------------------------------------------------------

  private startPipeline(s: Session, mime: string, epoch: number): void {
    const video = this.video!;
    this.pipeline?.destroy();
    s.delay.reset();
    s.liveEdge.resetProgress();
    s.sync.reset();
    const pipeline = new MediaPipeline(video, this.api!, mime, epoch, this.config.buffer);
    this.pipeline = pipeline;
    this.pipelineConnection = s.connections;
    const connection = s.connections;
    pipeline.on('appended', (e) => {
      // The old picture's queued appends, after its socket dropped, do not mean the new one plays.
      if (this.pipeline === pipeline && connection === s.connections) this.onAppended(s, e.meta, e.bufferedEnd);
    });
    pipeline.on('error', (e) => this.onMediaFailure(e));
    pipeline.start();
    // start() can fail at once (e.g. addSourceBuffer refuses the type): onMediaFailure has
    // already torn this pipeline down and set the state; do not paper over it with waiting-init.
    if (this.pipeline !== pipeline) return;
    if (s.firstFrameMs === null && s.cancelFirstFrame === null) {
      s.cancelFirstFrame = watchFirstFrame(video, () => {
        if (s.firstOpenAt === null) return;
        s.firstFrameMs = Math.round(performance.now() - s.firstOpenAt);
        this.emit('first-frame', { ms: s.firstFrameMs });
      });
    }
    this.setState('waiting-init');
    this.emit('epoch', { epoch, mime });
  }

  private onAppended(s: Session, meta: SegmentMeta, bufferedEnd: number | null): void {
    if (meta.kind !== 'fragment') return;
    if (meta.wallClockMs !== null && bufferedEnd !== null) s.delay.record({ wallClockMs: meta.wallClockMs, mediaEnd: bufferedEnd });
    if (this._state !== 'waiting-init' && this._state !== 'connecting') return;
    this.setState('playing');
    const video = this.video;
    const info = s.channelInfo;
    if (info?.kind === 'file') {
      // The sync policy seeks to the channel's position and plays (or not: paused channel) itself.
      s.sync.tick(this.syncTarget(s));
      return;
    }
    if (info && !info.playing) {
      s.resumeOnPlay = true; // a held live channel: its picture waits for `play`
      return;
    }
    s.resumeOnPlay = false;
    if (this.config.autoplay && video?.paused) void this.playVideo(video);
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

  // ---- channel sync (sync.ts) ---------------------------------------------------------------

  /**
   * Where the channel is now on our media timeline, or null when we cannot tell: no state or
   * clock offset yet, or the state is about another timeline than the one on screen (a seek's new
   * epoch before its `mse`; epochs only compare within one connection).
   */
  private syncTarget(s: Session): SyncTarget | null {
    const info = s.channelInfo;
    const p = this.pipeline;
    const offset = s.clock.best?.offsetMs;
    if (!info || !p || p.failed || p.epoch !== info.epoch || this.pipelineConnection !== s.connections || offset === undefined) return null;
    return { mediaTime: channelTime(info, Date.now() + offset), playing: info.playing };
  }

  /** Applies a new channel state at once (not at the next tick), so pause and seek show quickly. */
  private followChannel(s: Session, info: ChannelInfo): void {
    const video = this.video;
    if (!video || !this.pipeline || this.progressive) return;
    if (info.kind === 'file') {
      if (this._state === 'playing') s.sync.tick(this.syncTarget(s));
      return;
    }
    // Live: pause freezes the last frame; `play` normally brings a new epoch (autoplayed by
    // onAppended), but if the picture on screen is already the current timeline, resume it here.
    if (!info.playing) {
      if (!video.paused) video.pause();
      s.resumeOnPlay = true;
    } else if (s.resumeOnPlay && this._state === 'playing' && this.pipeline.epoch === info.epoch && this.pipelineConnection === s.connections) {
      s.resumeOnPlay = false;
      if (this.config.autoplay && video.paused) void this.playVideo(video);
    }
  }

  /** One `report` for the dashboard: playback path, delay, drift, buffer, dropped frames. */
  private sendReport(s: Session): void {
    if (!this.connection || this.progressive) return;
    const st = this.stats();
    const round = (x: number | null, digits: number): number | null => (x === null ? null : Number(x.toFixed(digits)));
    this.connection.send({
      type: 'report',
      mode: st.mode ?? 'mse',
      delaySec: round(st.delaySec, 3),
      driftMs: round(st.driftMs, 1),
      bufferSec: Number(st.bufferSec.toFixed(3)),
      droppedFrames: st.droppedFrames,
    });
  }

  private readonly onVideoError = (): void => {
    const err = this.video?.error;
    if (!err || !this.pipeline) return;
    this.onMediaFailure({ code: PlayerErrorCode.MEDIA_ERROR, message: `MediaError ${err.code}: ${err.message || 'no details'}`, fatal: true });
  };

  /**
   * A broken pipeline (bad append, decode error) is rebuilt by re-joining the channel, which makes
   * the server send `mse` + a fresh init; too many rebuilds in a row make the error fatal.
   */
  private onMediaFailure(error: PlayerError): void {
    const s = this.session;
    if (!s) return;
    const now = performance.now();
    s.recoveryTimes = s.recoveryTimes.filter((t) => now - t < this.config.recoveryWindowMs);
    const giveUp = s.recoveryTimes.length >= this.config.maxRecoveries;
    this.pipeline?.destroy();
    this.pipeline = null;
    this.fail({ ...error, fatal: giveUp });
    if (giveUp) return;
    s.recoveryTimes.push(now);
    this.connection?.send({ type: 'leave' });
    this.connection?.send({ type: 'join', channel: s.channel });
  }

  // ---- live edge ---------------------------------------------------------------------------

  private tick(): void {
    const s = this.session;
    if (!s) return;
    const now = performance.now();
    if (now - s.lastReportAt >= this.config.reportIntervalMs) {
      s.lastReportAt = now;
      this.sendReport(s);
    }
    if (!this.pipeline || this._state !== 'playing') return;
    // File channels follow the shared playhead; the live-edge controller would chase the buffered
    // end instead, which the server keeps ~1 s ahead of the playhead on purpose.
    const kind = s.channelInfo?.kind;
    if (kind === 'file') s.sync.tick(this.syncTarget(s));
    else if (kind !== undefined) s.liveEdge.tick(now);
    if (now - s.lastTrimAt >= this.config.trimIntervalMs) {
      s.lastTrimAt = now;
      this.pipeline.trimBackBuffer();
    }
  }

  // ---- progressive fallback (progressive.ts) ------------------------------------------------

  /** Looks the channel up over HTTP (no socket needed), then falls back or not: decideFallback. */
  private tryProgressive(s: Session, trigger: FallbackTrigger): void {
    if (this.progressive || this.fallbackProbe) return;
    const probe = new AbortController();
    this.fallbackProbe = probe;
    void probeChannel(s.channel, probe.signal).then((result) => {
      if (probe.signal.aborted || this.session !== s) return;
      this.fallbackProbe = null;
      // The socket may have come back while we looked the channel up.
      if (trigger.kind === 'socket-failures' && (this.connection?.consecutiveFailures ?? 0) < this.config.progressive.socketFailures) return;
      const decision = decideFallback(trigger, result);
      if (decision.kind === 'fail') {
        this.fail(decision.error);
        return;
      }
      if (decision.error) this.report(decision.error);
      if (decision.kind === 'progressive' && result.ok) this.startProgressive(s, result, decision.reason);
    });
  }

  private startProgressive(s: Session, probe: Extract<ChannelProbe, { ok: true }>, reason: string): void {
    // The MSE path is over for this load(): no socket, no pipeline, so the <video> is free.
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.tickTimer = null;
    this.pinger.stop();
    this.connection?.close();
    this.connection = null;
    this.pipeline?.destroy();
    this.pipeline = null;
    // A pending "play in N ms" of the sync policy must not start the progressive <video> early.
    s.sync.reset();
    s.resumeOnPlay = false;
    s.channelInfo = probe.info;
    this.emit('channel', probe.info);
    const p = new ProgressivePlayback(this.video!, probe.info, probe.receivedAt, this.config.progressive);
    this.progressive = p;
    p.on('state', ({ to }) => {
      if (to === 'preparing') this.setState('connecting');
      else if (to === 'loading') this.setState('waiting-init');
      else if (to === 'playing') this.setState('playing');
    });
    p.on('error', (e) => (e.fatal ? this.fail(e) : this.report(e)));
    p.on('autoplay-muted', (e) => this.emit('autoplay-muted', e));
    this.emit('mode', { mode: 'progressive', reason });
    p.start();
  }

  // ---- state and errors --------------------------------------------------------------------

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
    if (error.fatal && this.session) this.session.fatal = true;
    this.report(error);
    this.setState('error');
  }

  private stopSession(): void {
    this.commands.cancelAll('the player stopped before the server answered');
    this.fallbackProbe?.abort();
    this.fallbackProbe = null;
    this.progressive?.stop();
    this.progressive = null;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.tickTimer = null;
    this.pinger.stop();
    this.visibility?.stop();
    this.visibility = null;
    this.connection?.close();
    this.connection = null;
    this.pipeline?.destroy();
    this.pipeline = null;
    this.session?.close();
    this.session = null;
  }
}

/** ws(s)://<page host>/ws: same origin as the page, so it works behind the server and Vite dev. */
export function defaultSocketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
