/**
 * A channel: one source, at most one ffmpeg (a Fragmenter), any number of viewers, one shared
 * playhead (control/playhead.ts) that play / pause / seek commands move for everyone at once.
 *
 * Status: the supervision state machine of channel-supervisor.ts (a pure reducer; supervisor.ts
 * applies it: retry timer, ffmpeg slot), fed by this file's events:
 *   idle → starting (probe, spawn) → running (media flows) → stopping → idle
 *   starting|running → retrying (backoff) → starting …; → error after maxStartAttempts failures
 *   in a row, retrying every errorRetryMs while wanted.
 * "Wanted" means it has viewers or is keep-alive: ffmpeg starts with the first viewer and stops
 * idleStopMs after the last one leaves.
 *
 * Two kinds of timeline:
 * - Live (live URLs, the test pattern): fragments go to viewers as ffmpeg makes them. `pause`
 *   holds the channel (nothing is pushed); `play` opens a new epoch at the live edge.
 * - File (paced): ffmpeg reads as fast as the pipe allows and the Pacer releases fragments a
 *   bounded lead ahead of the playhead. Media time is TIMELINE_BASE_SEC + file position; the file
 *   loops by starting the next ffmpeg run with its output shifted by the file's duration, so the
 *   timeline (and the epoch) continue seamlessly. A seek replays held fragments or restarts
 *   ffmpeg with input seeking; either way it opens a new epoch.
 *
 * The GOP cache holds the released fragments since the last keyframe fragment, so a viewer who
 * joins gets a decodable first frame at once instead of waiting up to a keyframe interval.
 */
import { EventEmitter } from 'node:events';
import { classifyExit } from './supervision.js';
import type { ChildSet } from '../runtime/children.js';
import { foldPosition, playheadAt, type Playhead } from '../core/playhead.js';
import { applyCommand, type ControlCommand, type ControlDecision } from './playhead-reducer.js';
import { Pacer, type PacerOptions } from './pacer.js';
import { ErrorCode, PushcastError } from '../core/errors.js';
import type { OutputTuning } from '../ffmpeg/args.js';
import { buildFfmpegPlan } from '../ffmpeg/args.js';
import type { FfmpegSlots } from '../ffmpeg/slots.js';
import { Fragmenter, type Fragment, type FragmenterExit, type InitSegment } from '../ffmpeg/fragmenter.js';
import type { Logger } from '../runtime/log.js';
import type { ChannelInfo, ChannelStatus } from '../core/protocol.js';
import { maskSecrets } from '../runtime/redact.js';
import type { ChannelSource, PreparedSource } from './sources.js';
import { Supervisor } from './supervisor.js';
import { untilAborted } from '../runtime/until-aborted.js';

/** What a channel needs from each viewer; a session implements it. Must not throw. */
export interface ChannelViewer {
  /**
   * An init segment. A new `epoch` means a new timeline (drop the old one); the same epoch as
   * before means a re-initialisation on the same timeline (e.g. the next loop of a file).
   */
  onInit(init: InitSegment, epoch: number): void;
  onFragment(fragment: Fragment, epoch: number): void;
  onState(info: ChannelInfo): void;
  /** The source failed (ffmpeg exit, unreadable input); the channel retries by itself. */
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
  log: Logger;
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

/** Window over which the channel's bitrate is measured, ms. */
const BITRATE_WINDOW_MS = 5_000;
/**
 * File channels' media time of file position 0, seconds. Positive so that the AAC priming and
 * B-frame decode times before position 0 never go negative in the fMP4 (tfdt is unsigned).
 */
export const TIMELINE_BASE_SEC = 1;
/** How often the pacer releases due fragments, ms (a fraction of a 200 ms fragment). */
const PACE_TICK_MS = 40;

/** One ffmpeg run of a file channel: where in the file it starts and where that lands on the timeline. */
interface Run {
  position: number;
  offsetSec: number;
  /**
   * Start the playhead's clock at this run's first fragment: a start or a seek, whose position
   * viewers should see rather than one already past it. A loop's next run continues a timeline
   * whose clock is running and must not touch it.
   */
  anchor: boolean;
}

export class Channel extends EventEmitter<ChannelEvents> {
  readonly id: string;
  /** status, attempt, nextRetryAt, the retry timer and the ffmpeg slot (supervisor.ts). */
  private readonly supervisor: Supervisor;
  private playhead: Playhead;
  private fragmenter: Fragmenter | null = null;
  /** The current run has delivered a media fragment (what makes a start a success). */
  private runHasMedia = false;
  /** Aborts the probe of the start in progress (its deadline, a newer launch, close()). */
  private probeAbort: AbortController | null = null;
  private init: InitSegment | null = null;
  /** The epoch the current init segment was announced for. */
  private initEpoch = -1;
  private gop: Fragment[] = [];
  private gopBytes = 0;
  private duration: number | null = null;
  /** The codec strings of the last run, kept while idle so the channel list can show them. */
  private lastCodecs: string[] = [];
  /** The last failure, credentials masked; kept until a run produces media again. */
  private lastError: PushcastError | null = null;
  /** Fragments its viewers skipped because their connections could not keep up. */
  private drops = 0;
  private readonly viewers = new Set<ChannelViewer>();
  private idleTimer: NodeJS.Timeout | null = null;
  private stateTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private recent: Array<{ at: number; bytes: number }> = [];
  private closed = false;
  /** File channels only. */
  private readonly pacer: Pacer | null;
  private run: Run = { position: 0, offsetSec: TIMELINE_BASE_SEC, anchor: true };
  /** A file's next loop brought a different init: it is announced with that loop's first fragment. */
  private pendingReinit: InitSegment | null = null;
  private readonly reinitBefore = new WeakMap<Fragment, InitSegment>();
  /** The playhead waits for the first fragment of a new run before it starts moving. */
  private anchorPending = false;
  /** Media time where the current run's last fragment ends (learns a file's length without a probe). */
  private runEnd: number | null = null;
  /** Counts launch() calls: a launch superseded while it awaited the probe gives up. */
  private launches = 0;
  /** Live channels: paused, so fragments are cached but not pushed. */
  private held = false;
  /**
   * When the file channel's ffmpeg last stopped (null while one runs). Its playhead does not move
   * while nobody watches: the next start resumes the file where it was then.
   */
  private stoppedAt: number | null = Date.now();

  constructor(private readonly opts: ChannelOptions) {
    super();
    this.id = opts.id;
    const policy = { restartMinMs: opts.restartMinMs, restartMaxMs: opts.restartMaxMs, maxStartAttempts: opts.maxStartAttempts, errorRetryMs: opts.errorRetryMs };
    this.supervisor = new Supervisor(policy, {
      wanted: () => this.wanted(),
      changed: () => this.broadcastState(),
      launch: (reason) => this.beginStart(reason),
    }, opts.slots);
    this.pacer = opts.source.kind === 'file' ? new Pacer(opts.pace) : null;
    const mediaTime = this.pacer ? TIMELINE_BASE_SEC : 0;
    this.playhead = { epoch: 0, version: 0, playing: true, mediaTime, at: Date.now() };
  }

  get kind() { return this.opts.source.kind; }
  get viewerCount(): number { return this.viewers.size; }
  get currentStatus(): ChannelStatus { return this.supervisor.state.status; }
  /** ffmpeg's process id while a run is up (fault tests, logs), else null. */
  get ffmpegPid(): number | null { return this.fragmenter?.pid ?? null; }
  private get status(): ChannelStatus { return this.supervisor.state.status; }
  get openControl(): boolean { return this.opts.openControl; }

  info(now = Date.now()): ChannelInfo {
    const p = this.playhead;
    return {
      id: this.id,
      kind: this.opts.source.kind,
      source: this.opts.source.display,
      status: this.status,
      viewers: this.viewers.size,
      mime: this.init?.mime ?? null,
      codecs: this.init?.codecs ?? this.lastCodecs,
      duration: this.pacer ? this.duration : null,
      epoch: p.epoch,
      version: p.version,
      playing: p.playing,
      seekable: this.pacer !== null && this.duration !== null,
      mediaTime: p.mediaTime,
      position: this.pacer ? foldPosition(p.mediaTime - TIMELINE_BASE_SEC, this.duration) : null,
      positionAt: p.at,
      serverTime: now,
      vod: this.opts.vod,
      control: this.opts.openControl ? 'open' : 'token',
      bitrate: this.bitrate(),
      error: this.lastError ? { code: this.lastError.code, message: maskSecrets(this.lastError.message) } : null,
      attempt: this.supervisor.state.attempt,
      nextRetryAt: this.supervisor.state.nextRetryAt,
      drops: this.drops,
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
    if (!this.pacer || this.duration !== null || this.closed) return;
    try {
      const { duration } = await this.opts.source.prepare({ timeoutMs: this.opts.probeTimeoutMs, ...this.childContext() });
      if (this.duration !== null || duration === null || this.closed) return;
      this.duration = duration;
      this.broadcastState();
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
    if (this.viewers.has(viewer)) return { ok: true };
    if (this.viewers.size >= this.opts.maxViewers) {
      return { ok: false, code: ErrorCode.CHANNEL_FULL, message: `channel "${this.id}" has its maximum of ${this.opts.maxViewers} viewers` };
    }
    this.viewers.add(viewer);
    this.cancelIdleStop();
    // Catch the newcomer up: the current timeline and the GOP so far, from its keyframe. The init
    // may already be there while the run's first fragment is not (status still 'starting').
    if (this.init && this.initEpoch === this.playhead.epoch) {
      viewer.onInit(this.init, this.playhead.epoch);
      for (const f of this.catchUp()) viewer.onFragment(f, this.playhead.epoch);
    }
    this.supervisor.dispatch({ type: 'start' });
    if (!this.stateTimer) this.stateTimer = setInterval(() => this.broadcastState(), this.opts.stateIntervalMs);
    this.broadcastState();
    return { ok: true };
  }

  /**
   * The fragments a joiner starts with, from a keyframe. File channels: from the last keyframe at
   * or before the playhead (Pacer.joinFrom), so it has the frame the others show, also while
   * paused; but not across a loop whose init differs (we only hold the current init). Live: the
   * GOP cache.
   */
  private catchUp(): Fragment[] {
    const held = this.pacer?.joinFrom(playheadAt(this.playhead, Date.now())) ?? [];
    if (held.length === 0) return this.gop;
    let from = 0;
    held.forEach((f, i) => { if (i > 0 && this.reinitBefore.has(f)) from = i; });
    return held.slice(from);
  }

  /** A viewer skipped `count` fragments (its connection could not keep up). */
  countDrops(count: number): void {
    this.drops += count;
  }

  removeViewer(viewer: ChannelViewer): void {
    if (!this.viewers.delete(viewer)) return;
    if (this.viewers.size === 0 && this.stateTimer) {
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
    const seekable = this.pacer !== null;
    // A stopped file channel's clock stands still at stoppedAt (its playhead was frozen there), so
    // a pause or seek while nobody watches does not count the idle time as played.
    const now = this.pacer && this.stoppedAt !== null ? this.stoppedAt : wallNow;
    // Between a (re)start or seek and its first fragment the clock has not started yet: a command
    // then acts on the position being started, not on one some hundred ms past it.
    if (this.anchorPending) this.playhead = { ...this.playhead, at: now };
    const decision = applyCommand({ seekable, duration: this.duration }, this.playhead, cmd, now);
    if (!decision.ok) return decision;
    const { effect } = decision;
    const before = this.playhead;
    this.playhead = decision.playhead;
    if (effect.kind === 'seek') this.seekTo(effect.position, before, now);
    else if (effect.kind === 'hold' && !this.pacer) this.held = true;
    else if (effect.kind === 'resume' && !this.pacer) this.resumeLive();
    if (effect.kind !== 'none') {
      this.opts.log.info('command', { channel: this.id, command: cmd.type, epoch: this.playhead.epoch, version: this.playhead.version });
      this.broadcastState();
    }
    return { ok: true, playhead: this.playhead, effect };
  }

  /** Stops ffmpeg and forgets all viewers (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelIdleStop();
    for (const t of [this.stateTimer, this.tickTimer]) if (t) clearTimeout(t);
    this.supervisor.close();
    this.probeAbort?.abort(new PushcastError(ErrorCode.SHUTTING_DOWN, 'the server is shutting down'));
    this.viewers.clear();
    await this.fragmenter?.stop();
  }

  private wanted(): boolean {
    return !this.closed && (this.viewers.size > 0 || this.opts.keepAlive);
  }

  /** The supervisor's launch: a new epoch, from the playhead (file) or at the live edge. */
  private beginStart(reason: 'start' | 'retry'): void {
    if (this.closed || this.fragmenter) return;
    // A file channel picks up where its playhead is now: the channel is a shared screen whose
    // clock kept running while nobody watched. A live channel starts a fresh timeline.
    if (this.pacer) {
      const position = foldPosition(playheadAt(this.playhead, this.stoppedAt ?? Date.now()) - TIMELINE_BASE_SEC, this.duration);
      this.stoppedAt = null;
      // `at` now, not when the playhead last changed (maybe hours ago, while idle): until the first
      // fragment anchors the clock, states must not claim the channel is far ahead.
      this.playhead = { ...this.playhead, epoch: this.playhead.epoch + 1, version: this.playhead.version + 1, mediaTime: TIMELINE_BASE_SEC + position, at: Date.now() };
      void this.launch({ position, offsetSec: TIMELINE_BASE_SEC, anchor: true }, reason);
    } else {
      this.playhead = { ...this.playhead, epoch: this.playhead.epoch + 1, version: this.playhead.version + 1, at: Date.now() };
      void this.launch(null, reason);
    }
  }

  /** What a child process (ffprobe, ffmpeg) needs: the child set for shutdown, and who owns it. */
  private childContext(): { children?: ChildSet; owner: string } {
    return { ...(this.opts.children ? { children: this.opts.children } : {}), owner: this.id };
  }

  private async launch(run: Run | null, reason: SpawnReason): Promise<void> {
    // Only the newest launch may start ffmpeg: a seek made while an earlier launch was still
    // probing must win, or ffmpeg would play the old position under the new playhead.
    const generation = ++this.launches;
    this.probeAbort?.abort(); // the superseded launch's probe is of no use any more
    if (!this.supervisor.takeSlot()) {
      this.fail(new PushcastError(ErrorCode.BUSY, `all ${this.opts.slots?.max} ffmpeg slots are in use: the channel starts when one frees`));
      return;
    }
    // The probe gets a deadline: a source that accepts the connection and never sends must fail
    // the start (and its ffprobe be killed), not hold the channel in 'starting' forever.
    const abort = new AbortController();
    this.probeAbort = abort;
    const timeoutMs = this.opts.probeTimeoutMs;
    const deadline = setTimeout(() => abort.abort(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `source did not answer within ${timeoutMs} ms (probe timed out)`)), timeoutMs);
    let prepared: PreparedSource;
    try {
      prepared = await untilAborted(this.opts.source.prepare({ timeoutMs, signal: abort.signal, ...this.childContext() }), abort.signal);
    } catch (err) {
      if (generation === this.launches && !this.closed) this.fail(err instanceof PushcastError ? err : new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, String(err)));
      return;
    } finally {
      clearTimeout(deadline);
      if (this.probeAbort === abort) this.probeAbort = null;
    }
    if (generation !== this.launches || this.closed) return;
    if (!this.wanted() || this.fragmenter) {
      if (!this.fragmenter) {
        // Every viewer left while we probed.
        this.tearDown();
        this.supervisor.dispatch({ type: 'stopped' });
      }
      return;
    }
    this.duration = prepared.duration ?? this.duration; // a length learned from a full run stays
    let spec = prepared.spec;
    this.runEnd = null;
    if (run && spec.kind === 'file') {
      this.run = run;
      spec = { ...spec, startSec: run.position, tsOffsetSec: run.offsetSec };
      if (run.anchor) this.anchorPending = true;
    }
    const plan = buildFfmpegPlan(spec, prepared.codecs, this.opts.tuning);
    this.opts.log.info('starting ffmpeg', { channel: this.id, reason, attempt: this.supervisor.state.attempt, video: prepared.codecs.video, audio: prepared.codecs.audio, from: run?.position });
    const frag = new Fragmenter({
      ffmpegPath: this.opts.ffmpegPath,
      plan,
      stopTimeoutMs: this.opts.stopTimeoutMs,
      stallTimeoutMs: this.opts.stallTimeoutMs,
      ...this.childContext(),
    });
    this.fragmenter = frag;
    this.runHasMedia = false;
    frag.once('init', () => this.opts.log.debug('ffmpeg command', { channel: this.id, command: maskSecrets(frag.commandLine ?? '') }));
    frag.on('init', (init) => this.onInit(frag, init));
    frag.on('fragment', (f) => this.onFragment(frag, f));
    frag.on('exit', (exit) => this.onExit(frag, exit));
    frag.start();
    this.emit('spawn', { restart: reason === 'retry', reason });
    if (this.pacer && !this.tickTimer) this.tickTimer = setInterval(() => this.tick(), PACE_TICK_MS);
  }

  private onInit(frag: Fragmenter, init: InitSegment): void {
    if (frag !== this.fragmenter) return;
    const epoch = this.playhead.epoch;
    const sameTimeline = this.init !== null && this.initEpoch === epoch;
    // The next loop of a file usually has a byte-identical init: viewers need nothing then.
    const changed = !sameTimeline || !this.init?.data.equals(init.data);
    if (sameTimeline && changed && this.pacer) {
      // A different init for the next loop: viewers must get it right before that loop's first
      // fragment, after the previous loop's fragments the pacer still holds (distribute()).
      this.pendingReinit = init;
      return;
    }
    this.init = init;
    this.lastCodecs = init.codecs;
    this.initEpoch = epoch;
    if (!sameTimeline) {
      this.gop = [];
      this.gopBytes = 0;
    }
    if (init.duration !== null && this.duration === null) this.duration = init.duration;
    if (changed) {
      this.opts.log.info('init segment', { channel: this.id, mime: init.mime, epoch });
      for (const v of this.viewers) v.onInit(init, epoch);
    }
    // Still 'starting': the channel is running once media flows (onFragment), not at the init.
  }

  private onFragment(frag: Fragmenter, f: Fragment): void {
    if (frag !== this.fragmenter) return;
    if (!this.runHasMedia) {
      // The start succeeded: starting → running, attempt back to 0, the old error forgotten.
      this.runHasMedia = true;
      this.lastError = null;
      this.supervisor.dispatch({ type: 'media' });
    }
    if (f.startSec !== null && f.durationSec !== null) this.runEnd = f.startSec + f.durationSec;
    if (this.pacer) {
      if (this.pendingReinit) {
        this.reinitBefore.set(f, this.pendingReinit);
        this.pendingReinit = null;
      }
      this.pacer.enqueue(f);
      if (!this.pacer.wantsMore(playheadAt(this.playhead, Date.now()))) frag.pause();
      return;
    }
    this.distribute(f);
  }

  /** File channels: releases what the playhead has reached and keeps ffmpeg reading just ahead. */
  private tick(): void {
    const pacer = this.pacer;
    if (!pacer || this.status !== 'running') return;
    const now = Date.now();
    if (this.anchorPending) {
      if (pacer.queued === 0) return;
      // The first fragment of a new run is here: start the clock now, so viewers see the
      // requested position instead of one already some hundred milliseconds past it.
      this.anchorPending = false;
      this.playhead = { ...this.playhead, at: now, version: this.playhead.version + 1 };
      this.broadcastState();
    }
    const ph = playheadAt(this.playhead, now);
    for (const f of pacer.release(ph)) this.distribute(f);
    if (pacer.wantsMore(ph)) this.fragmenter?.resume();
  }

  /** Sends one fragment to every viewer (unless a live channel is held) and updates the GOP cache. */
  private distribute(f: Fragment): void {
    const reinit = this.reinitBefore.get(f);
    if (reinit) {
      this.init = reinit;
      this.lastCodecs = reinit.codecs;
      for (const v of this.viewers) v.onInit(reinit, this.playhead.epoch);
    }
    const now = Date.now();
    this.recent.push({ at: now, bytes: f.data.length });
    while (this.recent.length && (this.recent[0] as { at: number }).at < now - BITRATE_WINDOW_MS) this.recent.shift();
    if (f.key) {
      this.gop = [f];
      this.gopBytes = f.data.length;
    } else if (this.gop.length > 0) {
      this.gop.push(f);
      this.gopBytes += f.data.length;
      // A source with very long GOPs: stop caching rather than grow without bound; late joiners
      // then wait for the next keyframe.
      if (this.gopBytes > this.opts.gopCacheMaxBytes) {
        this.gop = [];
        this.gopBytes = 0;
      }
    }
    if (this.held) return;
    const epoch = this.playhead.epoch;
    for (const v of this.viewers) v.onFragment(f, epoch);
  }

  private onExit(frag: Fragmenter, { requested, error, endOfSource, fragments }: FragmenterExit): void {
    if (frag !== this.fragmenter) return; // a run replaced by a seek
    this.fragmenter = null;
    // Without ffprobe (or a probe without a length) a file's duration is unknown until it ends
    // once: a run that played it from the start to the end measured it.
    if (endOfSource && this.pacer && this.duration === null && this.run.position === 0 && this.runEnd !== null) {
      this.duration = this.runEnd - this.run.offsetSec;
      this.opts.log.info('file length learned from its first full run', { channel: this.id, duration: this.duration });
    }
    const outcome = classifyExit({ requested, endOfSource, producedMedia: fragments > 0, loopable: this.pacer !== null && this.duration !== null, wanted: this.wanted() });
    if (outcome === 'loop') {
      // The file ended: the next loop continues the same timeline, shifted by the file's length.
      // What the pacer still holds covers the restart.
      // (-copyts keeps the file's own timestamps, so a run's media time is offsetSec + file time.)
      void this.launch({ position: 0, offsetSec: this.run.offsetSec + (this.duration as number), anchor: false }, 'loop');
      return;
    }
    this.tearDown();
    if (outcome === 'stopped') this.supervisor.dispatch({ type: 'stopped' }); // idle, or a fresh start if a viewer came back meanwhile
    else this.fail(error ?? new PushcastError(ErrorCode.FFMPEG_EXIT, 'ffmpeg ended without producing any media'));
  }

  /**
   * No ffmpeg any more: forget this timeline's media and, on file channels, freeze the playhead
   * where it stopped (at = stoppedAt), so the list shows where the channel will resume and the
   * next start picks up exactly there.
   */
  private tearDown(): void {
    this.init = null;
    this.initEpoch = -1;
    this.gop = [];
    this.gopBytes = 0;
    this.pacer?.clear();
    this.pendingReinit = null;
    this.stopTicking();
    const now = Date.now();
    this.stoppedAt = now;
    if (this.pacer) {
      const p = this.playhead;
      // Not started yet (anchor pending): it stands where it was asked to start.
      const mediaTime = this.anchorPending ? p.mediaTime : playheadAt(p, now);
      this.playhead = { ...p, mediaTime, at: now, version: p.version + 1 };
    }
    this.anchorPending = false;
  }

  /** A file channel's seek: replay what the server holds, or restart ffmpeg at the position. */
  private seekTo(position: number, before: Playhead, now: number): void {
    const pacer = this.pacer;
    if (!pacer) return;
    // The reducer put the file position in mediaTime; map it onto this loop of the timeline.
    const current = playheadAt(before, now);
    const loopStart = current - foldPosition(current - TIMELINE_BASE_SEC, this.duration);
    const target = loopStart + position;
    const held = this.init && this.fragmenter && this.status === 'running' ? pacer.rewindTo(target) : null;
    if (held) {
      this.playhead = { ...this.playhead, mediaTime: target, at: now };
      this.anchorPending = false;
      this.initEpoch = this.playhead.epoch;
      this.gop = [];
      this.gopBytes = 0;
      for (const v of this.viewers) v.onInit(this.init as InitSegment, this.playhead.epoch);
      this.tick();
      return;
    }
    this.playhead = { ...this.playhead, mediaTime: TIMELINE_BASE_SEC + position, at: now };
    const old = this.fragmenter;
    this.fragmenter = null;
    pacer.clear();
    this.pendingReinit = null;
    this.gop = [];
    this.gopBytes = 0;
    this.anchorPending = false;
    // Not awaited: the replaced ffmpeg stops in the background (the child set still has it).
    if (old) void old.stop();
    if (this.status === 'stopping' || (old && !this.wanted())) {
      // The run being stopped is gone for good: stop here, at the new position (idle), or start
      // afresh there if a viewer came back meanwhile, instead of a channel with no ffmpeg behind it.
      this.cancelIdleStop();
      this.tearDown();
      this.supervisor.dispatch({ type: 'stopped' });
    } else if (this.wanted() && (old || this.status === 'starting')) {
      void this.launch({ position, offsetSec: TIMELINE_BASE_SEC, anchor: true }, 'seek');
    }
    // retrying / error: the playhead moved; the next retry starts there.
  }

  /** Live channels: `play` after `pause` opens a new epoch at the live edge, from the GOP cache. */
  private resumeLive(): void {
    this.held = false;
    this.playhead = { ...this.playhead, epoch: this.playhead.epoch + 1 };
    if (!this.init) return;
    this.initEpoch = this.playhead.epoch;
    for (const v of this.viewers) {
      v.onInit(this.init, this.playhead.epoch);
      for (const f of this.gop) v.onFragment(f, this.playhead.epoch);
    }
  }

  private stopTicking(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
  }

  /** Bits per second over the last BITRATE_WINDOW_MS, or null when nothing flowed. */
  private bitrate(): number | null {
    if (this.status !== 'running' || this.recent.length < 2) return null;
    const span = Date.now() - (this.recent[0] as { at: number }).at;
    if (span <= 0) return null;
    const bytes = this.recent.reduce((sum, r) => sum + r.bytes, 0);
    return Math.round((bytes * 8 * 1000) / Math.max(span, 1000));
  }

  /**
   * The start or the run failed: viewers hear why (credentials masked), the supervisor picks
   * retrying or error and arms the backoff (a BUSY start also waits for a freed slot).
   */
  private fail(error: PushcastError): void {
    const masked = new PushcastError(error.code, maskSecrets(error.message));
    this.lastError = masked;
    for (const v of this.viewers) v.onError(masked);
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
      if (this.wanted() || !this.fragmenter) return;
      this.supervisor.dispatch({ type: 'stop' });
      void this.fragmenter.stop();
    }, this.opts.idleStopMs);
  }

  private cancelIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private broadcastState(): void {
    const info = this.info();
    for (const v of this.viewers) v.onState(info);
    this.emit('state', info);
  }
}
