/**
 * A channel: one source, at most one ffmpeg run, any number of viewers, one shared playhead that
 * play / pause / seek commands move for everyone at once. This file is the lifecycle and the
 * fan-out; the timeline (file-timeline.ts or live-timeline.ts) owns the playhead and its rules.
 *
 * Status: the supervision state machine of supervision.ts (a pure reducer; supervisor.ts applies
 * it: retry timer, ffmpeg slot), fed by this file's events:
 *   idle → starting (probe, spawn) → running (media flows) → stopping → idle
 *   starting|running → retrying (backoff) → starting …; → error after maxStartAttempts failures
 *   in a row, retrying every errorRetryMs while wanted.
 * "Wanted" means it has viewers or is keep-alive: ffmpeg starts with the first viewer and stops
 * idleStopMs after the last one leaves.
 *
 * Each launch (a start, a retry, a file's next loop, a seek's restart) takes the next generation;
 * only the newest may spawn ffmpeg, and the run it spawns carries that generation, so events of a
 * replaced run are recognised as stale and dropped.
 */
import { EventEmitter } from 'node:events';
import { classifyExit } from './supervision.js';
import type { ChildSet } from '../runtime/children.js';
import type { ControlCommand, ControlDecision } from './playhead-reducer.js';
import { ErrorCode, PushcastError } from '../core/errors.js';
import { buildFfmpegPlan } from '../ffmpeg/args.js';
import type { Fragment, FragmenterExit, InitSegment } from '../ffmpeg/fragmenter.js';
import type { ChannelInfo, ChannelStatus } from '../core/protocol.js';
import { maskSecrets } from '../runtime/redact.js';
import type { PreparedSource } from './sources.js';
import { spawnFragmenter, startRun, type Run } from './run.js';
import { Supervisor } from './supervisor.js';
import { FanOut } from './fan-out.js';
import { StartProbe } from './start-probe.js';
import { FileTimeline, TIMELINE_BASE_SEC } from './file-timeline.js';
import { LiveTimeline } from './live-timeline.js';
import type { Placement, ResumePoint, Timeline, TimelineHost } from './timeline.js';
import type { AddViewerResult, ChannelEvents, ChannelOptions, ChannelViewer, SpawnReason } from './channel-types.js';

export { TIMELINE_BASE_SEC } from './file-timeline.js';
export type { AddViewerResult, ChannelEvents, ChannelOptions, ChannelViewer, SpawnReason } from './channel-types.js';

export class Channel extends EventEmitter<ChannelEvents> {
  readonly id: string;
  /** status, attempt, nextRetryAt, the retry timer and the ffmpeg slot (supervisor.ts). */
  private readonly supervisor: Supervisor;
  private readonly timeline: Timeline;
  private run: Run | null = null;
  /** The newest launch's generation: a launch superseded while it awaited the probe gives up. */
  private generation = 0;
  private readonly probe: StartProbe; // the start's probe in flight
  /** What a child process (ffprobe, ffmpeg) needs: the child set for shutdown, and who owns it. */
  private readonly childContext: { children?: ChildSet; owner: string };
  private readonly out: FanOut; // the viewers, the current init, the GOP cache
  /** The last failure, credentials masked; kept until a run produces media again. */
  private lastError: PushcastError | null = null;
  /** Fragments its viewers skipped because their connections could not keep up. */
  private drops = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private stateTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: ChannelOptions) {
    super();
    this.id = opts.id;
    this.childContext = { ...(opts.children ? { children: opts.children } : {}), owner: opts.id };
    this.probe = new StartProbe(opts.source, opts.probeTimeoutMs, this.childContext);
    const policy = { restartMinMs: opts.restartMinMs, restartMaxMs: opts.restartMaxMs, maxStartAttempts: opts.maxStartAttempts, errorRetryMs: opts.errorRetryMs };
    this.supervisor = new Supervisor(policy, {
      wanted: () => this.wanted(),
      changed: () => this.broadcastState(),
      launch: (reason) => this.beginStart(reason),
    }, opts.slots);
    this.out = new FanOut(opts.gopCacheMaxBytes, opts.log, opts.id);
    // What the timeline may ask of the channel: the fan-out, the state broadcast, the run.
    const epoch = () => this.timeline.playhead.epoch;
    const host: TimelineHost = {
      release: (f, send = true) => this.out.release(f, epoch(), send),
      reinit: (init) => this.out.reinit(init, epoch()),
      reannounce: (withGop) => this.out.reannounce(epoch(), withGop),
      stateChanged: () => this.broadcastState(),
      ffmpeg: () => this.run?.ffmpeg ?? null,
      running: () => this.status === 'running',
    };
    const onLearned = (duration: number) => opts.log.info('file length learned from its first full run', { channel: this.id, duration });
    this.timeline = opts.source.kind === 'file' ? new FileTimeline(host, { pace: opts.pace, onLearned, resume: opts.resume ?? null }, Date.now()) : new LiveTimeline(host, Date.now());
  }

  get kind() { return this.opts.source.kind; }
  get viewerCount(): number { return this.out.viewers.size; }
  get currentStatus(): ChannelStatus { return this.supervisor.state.status; }
  /** ffmpeg's process id while a run is up (fault tests, logs), else null. */
  get ffmpegPid(): number | null { return this.run?.ffmpeg.pid ?? null; }
  private get status(): ChannelStatus { return this.supervisor.state.status; }
  get openControl(): boolean { return this.opts.openControl; }
  /** Where a restart would pick this channel up (files), or null (live). */
  resumePoint(now = Date.now()): ResumePoint | null { return this.timeline.resumePoint(now); }

  info(now = Date.now()): ChannelInfo {
    const p = this.timeline.playhead;
    const { duration, seekable, position } = this.timeline.describe();
    return {
      id: this.id, kind: this.opts.source.kind, source: this.opts.source.display, status: this.status,
      viewers: this.out.viewers.size,
      mime: this.out.init?.mime ?? null,
      codecs: this.out.lastCodecs,
      duration,
      epoch: p.epoch, version: p.version, playing: p.playing, seekable,
      mediaTime: p.mediaTime, position, positionAt: p.at,
      serverTime: now,
      vod: this.opts.vod,
      control: this.opts.openControl ? 'open' : 'token',
      bitrate: this.status === 'running' ? this.out.bitsPerSecond(Date.now()) : null, // bits per second lately
      error: this.lastError ? { code: this.lastError.code, message: maskSecrets(this.lastError.message) } : null,
      attempt: this.supervisor.state.attempt, nextRetryAt: this.supervisor.state.nextRetryAt,
      drops: this.drops,
      origin: this.opts.origin,
    };
  }

  /** Starts an always-on channel at boot. */
  start(): void {
    if (this.opts.keepAlive) this.supervisor.dispatch({ type: 'start' });
  }

  /**
   * File channels: learn the file's length before anyone watches (the probe is cached by the
   * source and reused by the first run), so the channel is seekable from the dashboard while idle
   * and lists its duration. A failure here is only logged: the first run reports it properly.
   */
  async prime(): Promise<void> {
    if (this.opts.source.kind !== 'file' || this.timeline.duration !== null || this.closed) return;
    try {
      const { duration } = await this.opts.source.prepare({ timeoutMs: this.opts.probeTimeoutMs, ...this.childContext });
      if (this.closed) return;
      if (this.timeline.learnDuration(duration)) this.broadcastState();
    } catch (err) {
      this.opts.log.debug('could not probe the file ahead of its first run', { channel: this.id, error: String(err).slice(0, 300) });
    }
  }

  /**
   * Adds a viewer and starts the channel if needed. Refused (nothing sent to it, not counted)
   * when the channel already has maxViewers viewers, or is closed (server shutdown).
   */
  addViewer(viewer: ChannelViewer): AddViewerResult {
    if (this.closed) return { ok: false, code: ErrorCode.SHUTTING_DOWN, message: 'the server is shutting down' };
    if (this.out.viewers.has(viewer)) return { ok: true };
    if (this.out.viewers.size >= this.opts.maxViewers) {
      return { ok: false, code: ErrorCode.CHANNEL_FULL, message: `channel "${this.id}" has its maximum of ${this.opts.maxViewers} viewers` };
    }
    this.out.viewers.add(viewer);
    this.cancelIdleStop();
    // Catch the newcomer up: the current timeline and the GOP so far, from its keyframe. The init
    // may already be there while the run's first fragment is not (status still 'starting').
    const epoch = this.timeline.playhead.epoch;
    if (this.out.announcedFor(epoch)) this.out.catchUp(viewer, epoch, this.timeline.joinFrom(this.out.cached, Date.now()));
    this.supervisor.dispatch({ type: 'start' });
    if (!this.stateTimer) this.stateTimer = setInterval(() => this.broadcastState(), this.opts.stateIntervalMs);
    this.broadcastState();
    return { ok: true };
  }

  /** A viewer skipped `count` fragments (its connection could not keep up). */
  countDrops(count: number): void { this.drops += count; }

  removeViewer(viewer: ChannelViewer): void {
    if (!this.out.viewers.delete(viewer)) return;
    if (this.out.viewers.size === 0 && this.stateTimer) {
      clearInterval(this.stateTimer);
      this.stateTimer = null;
    }
    if (!this.wanted()) this.scheduleIdleStop();
    this.broadcastState();
  }

  /**
   * Applies play / pause / seek for every viewer. A rejected command changes nothing and returns
   * the error; an accepted one takes effect at once (a seek that needs a new ffmpeg finishes in
   * the background: viewers get the new epoch's init when it is ready).
   */
  command(cmd: ControlCommand, wallNow = Date.now()): ControlDecision {
    const canReplay = this.out.init !== null && this.run !== null && this.status === 'running';
    const { decision, restartAt } = this.timeline.command(cmd, wallNow, canReplay);
    if (!decision.ok) return decision;
    if (restartAt !== null) this.restartAt(restartAt);
    if (decision.effect.kind !== 'none') {
      const p = this.timeline.playhead;
      this.opts.log.info('command', { channel: this.id, command: cmd.type, epoch: p.epoch, version: p.version });
      this.broadcastState();
    }
    return { ok: true, playhead: this.timeline.playhead, effect: decision.effect };
  }

  /** Stops ffmpeg and forgets all viewers (server shutdown), telling them `reason` (CHANNEL_DELETED) when given. */
  async close(reason?: PushcastError): Promise<void> {
    this.closed = true;
    this.cancelIdleStop();
    if (this.stateTimer) clearInterval(this.stateTimer);
    this.timeline.close();
    this.supervisor.close();
    this.probe.cancel(new PushcastError(ErrorCode.SHUTTING_DOWN, 'the server is shutting down'));
    this.out.detachAll(reason);
    await this.run?.ffmpeg.stop();
  }

  private wanted(): boolean {
    return !this.closed && (this.out.viewers.size > 0 || this.opts.keepAlive);
  }

  /** The supervisor's launch: a new epoch, from the playhead (file) or at the live edge. */
  private beginStart(reason: 'start' | 'retry'): void {
    if (this.closed || this.run) return;
    void this.launch(this.timeline.begin(Date.now()), reason);
  }

  private async launch(placement: Placement | null, reason: SpawnReason): Promise<void> {
    // Only the newest launch may start ffmpeg: a seek made while an earlier launch was still
    // probing must win, or ffmpeg would play the old position under the new playhead.
    const generation = ++this.generation;
    this.probe.cancel(); // the superseded launch's probe is of no use any more
    if (!this.supervisor.takeSlot()) {
      this.fail(new PushcastError(ErrorCode.BUSY, `all ${this.opts.slots?.max} ffmpeg slots are in use: the channel starts when one frees`));
      return;
    }
    let prepared: PreparedSource;
    try {
      prepared = await this.probe.run();
    } catch (err) {
      if (generation === this.generation && !this.closed) this.fail(err instanceof PushcastError ? err : new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, String(err)));
      return;
    }
    if (generation !== this.generation || this.closed) return;
    if (this.run) return;
    if (!this.wanted()) {
      this.tearDown(); // every viewer left while we probed
      this.supervisor.dispatch({ type: 'stopped' });
      return;
    }
    this.timeline.learnDuration(prepared.duration, true); // a length learned from a full run stays when the probe has none
    const spec = this.timeline.place(prepared.spec, placement);
    const plan = buildFfmpegPlan(spec, prepared.codecs, this.opts.tuning);
    this.opts.log.info('starting ffmpeg', { channel: this.id, reason, attempt: this.supervisor.state.attempt, video: prepared.codecs.video, audio: prepared.codecs.audio, from: placement?.position });
    const { ffmpegPath, stopTimeoutMs, stallTimeoutMs } = this.opts;
    const handlers = { init: this.onInit.bind(this), fragment: this.onFragment.bind(this), exit: this.onExit.bind(this), replan: this.replan.bind(this) };
    this.run = startRun(this.opts.createRun ?? spawnFragmenter, { ffmpegPath, plan, stopTimeoutMs, stallTimeoutMs, ...this.childContext }, generation, handlers, this.opts.log, this.opts.source);
    this.run.ffmpeg.start();
    this.emit('spawn', { restart: reason === 'retry', reason });
    this.timeline.started();
  }

  private onInit(run: Run, init: InitSegment): void {
    if (run !== this.run) return; // a stale run (replaced by a seek)
    const deferred = this.out.offerInit(init, this.timeline.playhead.epoch, (i) => this.timeline.deferInit(i));
    if (!deferred) this.timeline.learnDuration(init.duration);
    // Still 'starting': the channel is running once media flows (onFragment), not at the init.
  }

  private onFragment(run: Run, f: Fragment): void {
    if (run !== this.run) return;
    if (!run.hasMedia) {
      // The start succeeded: starting → running, attempt back to 0, the old error forgotten.
      run.hasMedia = true;
      this.lastError = null;
      this.supervisor.dispatch({ type: 'media' });
    }
    this.timeline.onFragment(f);
  }

  private onExit(run: Run, { requested, error, endOfSource, fragments }: FragmenterExit): void {
    if (run !== this.run) return; // a run replaced by a seek
    this.run = null;
    // Without ffprobe (or a probe without a length) a file's duration is learned here.
    const loopable = this.timeline.runEnded(endOfSource);
    const outcome = classifyExit({ requested, endOfSource, producedMedia: fragments > 0, loopable, wanted: this.wanted() });
    if (outcome === 'loop') {
      // The file ended: the next loop continues the same timeline; what the pacer holds covers the restart.
      void this.launch(this.timeline.nextLoop(), 'loop');
      return;
    }
    this.tearDown();
    if (outcome === 'stopped') this.supervisor.dispatch({ type: 'stopped' }); // idle, or a fresh start if a viewer came back meanwhile
    else this.fail(error ?? new PushcastError(ErrorCode.FFMPEG_EXIT, 'ffmpeg ended without producing any media'));
  }

  /** No ffmpeg any more: forget this timeline's media; the timeline freezes where it stopped. */
  private tearDown(): void {
    this.out.forget();
    this.timeline.tearDown(Date.now());
  }

  /** A direct start's init names codecs the browser cannot play (start-plan.ts): start again, probed. */
  private replan(run: Run): void {
    if (run !== this.run) return;
    this.run = null;
    void run.ffmpeg.stop(); // in the background, like a seek's replaced run
    this.opts.log.info('source sends codecs that need a probe: starting again', { channel: this.id });
    if (this.wanted()) void this.launch(this.timeline.begin(Date.now()), 'retry');
  }

  /** A seek the held media cannot serve: replace the run by one at `position` (file seconds). */
  private restartAt(position: number): void {
    const old = this.run;
    this.run = null;
    this.out.dropCache();
    // Not awaited: the replaced ffmpeg stops in the background (the child set still has it).
    if (old) void old.ffmpeg.stop();
    if (this.status === 'stopping' || (old && !this.wanted())) {
      // The run being stopped is gone for good: stop here, at the new position (idle), or start
      // afresh there if a viewer came back meanwhile, instead of a channel with no ffmpeg behind it.
      this.cancelIdleStop();
      this.tearDown();
      this.supervisor.dispatch({ type: 'stopped' });
    } else if (this.wanted() && (old || this.status === 'starting')) {
      // 'starting' without a run: a launch still probes; this newer one supersedes it.
      void this.launch({ position, offsetSec: TIMELINE_BASE_SEC, anchor: true }, 'seek');
    }
    // retrying / error: the playhead moved; the next retry starts there.
  }

  /**
   * The start or the run failed: viewers hear why (credentials masked), the supervisor picks
   * retrying or error and arms the backoff (a BUSY start also waits for a freed slot).
   */
  private fail(error: PushcastError): void {
    const masked = new PushcastError(error.code, maskSecrets(error.message));
    this.lastError = masked;
    this.out.error(masked);
    this.supervisor.dispatch({ type: 'failed', busy: masked.code === ErrorCode.BUSY });
    const { status, attempt, nextRetryAt } = this.supervisor.state;
    const fields = { channel: this.id, code: masked.code, error: masked.message, status, attempt, retryInMs: nextRetryAt === null ? null : nextRetryAt - Date.now() };
    // BUSY repeats every restartMinMs until a slot frees: not a warning each time.
    if (masked.code === ErrorCode.BUSY) this.opts.log.info('channel waits for an ffmpeg slot', fields);
    else this.opts.log.warn('channel failed', fields);
  }

  /**
   * Nobody watches: stop ffmpeg after the grace period. A pending retry is left alone: when it
   * is due and still nobody watches, the supervisor goes idle instead of starting (so leaving and
   * rejoining never skips the backoff).
   */
  private scheduleIdleStop(): void {
    this.cancelIdleStop();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.wanted() || !this.run) return;
      this.supervisor.dispatch({ type: 'stop' });
      void this.run.ffmpeg.stop();
    }, this.opts.idleStopMs);
  }

  private cancelIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private broadcastState(): void {
    const info = this.info();
    this.out.state(info);
    this.emit('state', info);
  }
}
