/**
 * A Fragmenter owns one ffmpeg process: it runs a plan, splits ffmpeg's stdout into the init
 * segment and media fragments, and reports how the process ended. Lifecycle:
 *   idle → running (start) → stopping (stop) → exited;  running → exited when ffmpeg ends by itself.
 * It never restarts itself; the channel decides that.
 */
import { EventEmitter } from 'node:events';
import type { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { ErrorCode, PushcastError } from './errors.js';
import type { FfmpegPlan } from './ffmpeg/args.js';
import { StderrTail } from './ffmpeg/stderr.js';
import { BoxSplitter } from './media/box-splitter.js';
import { parseInitSegment, type InitInfo } from './media/init-info.js';
import { Segmenter } from './media/segmenter.js';
import type { MoofInfo } from './media/moof.js';

export interface InitSegment extends InitInfo {
  data: Buffer;
}

export interface Fragment {
  /** prft? + moof + mdat, exactly as sent to viewers. */
  data: Buffer;
  /** True when the video track's first sample is a keyframe (always true for audio-only). */
  key: boolean;
  /** Start of the fragment on the stream's timeline, seconds (video track, else first track). */
  startSec: number | null;
  durationSec: number | null;
}

export interface FragmenterExit {
  /** True when stop() asked for this exit. */
  requested: boolean;
  /** Why it ended when nobody asked; null for a requested stop. */
  error: PushcastError | null;
  /** ffmpeg reached the end of its input and exited cleanly (a file channel loops on this). */
  endOfSource: boolean;
}

export interface FragmenterEvents {
  init: [InitSegment];
  fragment: [Fragment];
  exit: [FragmenterExit];
}

export interface FragmenterOptions {
  ffmpegPath: string;
  plan: FfmpegPlan;
  /** ms between SIGTERM and SIGKILL. */
  stopTimeoutMs: number;
  /** No output for this long (ms) while running counts as a dead source. */
  stallTimeoutMs?: number;
}

/** How many stderr lines to keep for error messages: enough to explain, bounded in memory. */
const STDERR_TAIL_LINES = 12;
const GLOBAL_OPTIONS = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

export type FragmenterState = 'idle' | 'running' | 'stopping' | 'exited';

export class Fragmenter extends EventEmitter<FragmenterEvents> {
  state: FragmenterState = 'idle';
  private command: ffmpeg.FfmpegCommand | null = null;
  private readonly stderrTail = new StderrTail(STDERR_TAIL_LINES);
  private splitter = new BoxSplitter();
  private segmenter = new Segmenter();
  private init: InitSegment | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private failure: PushcastError | null = null;
  private stdout: PassThrough | null = null;
  /** The command line fluent-ffmpeg ran, once started (for debug logs). */
  commandLine: string | null = null;
  private stdoutEnded = false;
  /** ffmpeg exited with status 0 and we are still reading what it wrote. */
  private endedCleanly = false;
  /** True while the consumer asked us to stop reading (flow control, not a stall). */
  private flowPaused = false;
  private exited: Promise<void>;
  private markExited!: () => void;

  constructor(private readonly opts: FragmenterOptions) {
    super();
    this.exited = new Promise((resolve) => { this.markExited = resolve; });
  }

  /** The last lines ffmpeg wrote to stderr. */
  get stderr(): string {
    return this.stderrTail.toString();
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`Fragmenter.start() in state ${this.state}`);
    this.state = 'running';
    const { plan } = this.opts;
    const cmd = ffmpeg({ stdoutLines: STDERR_TAIL_LINES }).setFfmpegPath(this.opts.ffmpegPath);
    plan.inputs.forEach((input, i) => {
      cmd.input(input.url).inputOptions(i === 0 ? [...GLOBAL_OPTIONS, ...input.options] : input.options);
    });
    cmd.outputOptions(plan.outputOptions);
    cmd.on('stderr', (line: string) => this.stderrTail.push(line));
    cmd.on('start', (commandLine: string) => { this.commandLine = commandLine; });
    cmd.on('error', (err: Error) => this.onEnd(err));
    cmd.on('end', () => this.onEnd(null));
    this.command = cmd;
    // Called without a target, fluent-ffmpeg's pipe() returns a PassThrough fed from ffmpeg's stdout.
    const stdout = cmd.pipe() as PassThrough;
    stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    stdout.on('end', () => {
      this.stdoutEnded = true;
      if (this.endedCleanly) this.onEnd(null);
    });
    this.stdout = stdout;
    this.armStallTimer();
  }

  /**
   * Stops reading ffmpeg's stdout: the pipe fills and ffmpeg blocks on its next write, so a file
   * is read no faster than viewers need it. The stall timer is off meanwhile (silence is ours).
   */
  pause(): void {
    if (this.state !== 'running' || this.flowPaused) return;
    this.flowPaused = true;
    this.clearStallTimer();
    this.stdout?.pause();
  }

  resume(): void {
    if (!this.flowPaused) return;
    this.flowPaused = false;
    if (this.state !== 'running') return;
    this.stdout?.resume();
    this.armStallTimer();
  }

  /** Stops ffmpeg: SIGTERM, then SIGKILL after stopTimeoutMs. Resolves once the process is gone. */
  stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'exited';
      this.markExited();
      return this.exited;
    }
    if (this.state !== 'running') return this.exited;
    if (this.endedCleanly) {
      // ffmpeg is already gone; only unread output is left: drop it.
      this.state = 'stopping';
      this.onEnd(null);
      return this.exited;
    }
    this.terminate();
    return this.exited;
  }

  /** running → stopping: SIGTERM now, SIGKILL if ffmpeg is still there after stopTimeoutMs. */
  private terminate(): void {
    this.state = 'stopping';
    this.clearStallTimer();
    this.command?.kill('SIGTERM');
    this.killTimer = setTimeout(() => this.command?.kill('SIGKILL'), this.opts.stopTimeoutMs);
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'running') return;
    this.armStallTimer();
    try {
      for (const box of this.splitter.push(chunk)) {
        const seg = this.segmenter.push(box);
        if (!seg) continue;
        if (seg.kind === 'init') {
          this.init = { ...parseInitSegment(seg.data), data: seg.data };
          this.emit('init', this.init);
        } else {
          this.emit('fragment', this.describe(seg.data, seg.moof));
        }
      }
    } catch (err) {
      // A stream we cannot split is fatal for this process: stop it and report why.
      this.failure = err instanceof PushcastError ? err : new PushcastError(ErrorCode.BAD_STREAM, String(err));
      if (this.state === 'running') this.terminate();
    }
  }

  private describe(data: Buffer, moof: MoofInfo): Fragment {
    const init = this.init;
    const videoId = init?.videoTrackId ?? null;
    const traf = moof.tracks.find((t) => t.trackId === videoId) ?? moof.tracks[0];
    const timescale = init?.tracks.find((t) => t.id === traf?.trackId)?.timescale ?? 0;
    const key = videoId === null ? true : moof.tracks.find((t) => t.trackId === videoId)?.firstSampleSync === true;
    return {
      data,
      key,
      startSec: traf?.baseDecodeTime != null && timescale ? traf.baseDecodeTime / timescale : null,
      durationSec: traf?.duration != null && timescale ? traf.duration / timescale : null,
    };
  }

  private armStallTimer(): void {
    const ms = this.opts.stallTimeoutMs;
    if (!ms || this.flowPaused || this.endedCleanly) return;
    this.clearStallTimer();
    this.stallTimer = setTimeout(() => {
      this.failure = new PushcastError(ErrorCode.FFMPEG_EXIT, `source stalled: no output from ffmpeg for ${ms} ms`);
      if (this.state === 'running') this.terminate();
    }, ms);
  }

  private clearStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }

  private onEnd(err: Error | null): void {
    if (this.state === 'exited') return;
    // ffmpeg can exit while its last fragments still wait in the pipe (we may have paused reading):
    // a clean end is reported only once every byte was read, or the file's tail would be lost.
    if (err === null && this.state === 'running' && !this.stdoutEnded) {
      this.endedCleanly = true;
      this.clearStallTimer();
      return;
    }
    const requested = this.state === 'stopping' && this.failure === null;
    this.state = 'exited';
    this.clearStallTimer();
    if (this.killTimer) clearTimeout(this.killTimer);
    let error: PushcastError | null = null;
    if (!requested) {
      const tail = this.stderr.trim();
      const why = this.failure?.message ?? (err ? (err.message.split('\n')[0] ?? err.message) : 'ffmpeg ended (end of source)');
      error = new PushcastError(this.failure?.code ?? ErrorCode.FFMPEG_EXIT, tail ? `${why}: ${tail}` : why);
    }
    this.emit('exit', { requested, error, endOfSource: !requested && err === null && this.failure === null });
    this.markExited();
  }
}
