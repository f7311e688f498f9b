/**
 * A Fragmenter owns one ffmpeg process: it runs a plan, splits ffmpeg's stdout into the init
 * segment and media fragments, and reports how the process ended. Lifecycle:
 *   idle → running (start) → stopping (stop) → exited;  running → exited when ffmpeg ends by itself.
 * It never restarts itself; the channel decides that. ffmpeg is spawned directly (argument
 * array from ffmpeg/args.ts planToArgv), so its process is ours to track, pause and kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { ChildSet } from '../runtime/children.js';
import { ErrorCode, PushcastError } from '../core/errors.js';
import { planToArgv, type FfmpegPlan } from './args.js';
import { LineReader } from './line-reader.js';
import { StderrTail } from './stderr.js';
import { BoxSplitter } from '../media/box-splitter.js';
import { parseInitSegment, type InitInfo } from '../media/init-info.js';
import { Segmenter } from '../media/segmenter.js';
import type { MoofInfo } from '../core/moof.js';

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
  /** Media fragments this run emitted (0: it never produced media, whatever its exit status). */
  fragments: number;
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
  /** Tracks the ffmpeg process so shutdown stops it even when nobody awaits this run any more. */
  children?: ChildSet;
  /** Who runs it (a channel id), for the children list. */
  owner?: string;
}

/**
 * What a channel needs from one ffmpeg run: the Fragmenter below is the real one; tests pass a
 * fake that emits synthetic init and fragments (the channel's run factory returns either).
 */
export interface FfmpegRun {
  readonly pid: number | null;
  readonly commandLine: string | null;
  on<K extends keyof FragmenterEvents>(event: K, listener: (...args: FragmenterEvents[K]) => void): unknown;
  start(): void;
  /** Flow control: stop / go on reading ffmpeg's output. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** How many stderr lines to keep for error messages: enough to explain, bounded in memory. */
const STDERR_TAIL_LINES = 12;

export type FragmenterState = 'idle' | 'running' | 'stopping' | 'exited';

export class Fragmenter extends EventEmitter<FragmenterEvents> implements FfmpegRun {
  state: FragmenterState = 'idle';
  private child: ChildProcess | null = null;
  private readonly stderrTail = new StderrTail(STDERR_TAIL_LINES);
  private splitter = new BoxSplitter();
  private segmenter = new Segmenter();
  private init: InitSegment | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private failure: PushcastError | null = null;
  private stdout: Readable | null = null;
  /** The command line it runs, once started (for debug logs; mask before logging). */
  commandLine: string | null = null;
  /** ffmpeg exited with status 0 and we are still reading what it wrote. */
  private endedCleanly = false;
  /** True while the consumer asked us to stop reading (flow control, not a stall). */
  private flowPaused = false;
  private fragments = 0;
  private spawnError: Error | null = null;
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

  /** ffmpeg's process id while it runs (fault tests, logs). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /**
   * Spawns ffmpeg (argument array, no shell). Its end is reported once the process has exited
   * and its output pipes are closed ('close'), so the stderr tail in the error is complete and a
   * clean end comes only after every byte it wrote was read.
   */
  start(): void {
    if (this.state !== 'idle') throw new Error(`Fragmenter.start() in state ${this.state}`);
    this.state = 'running';
    const argv = planToArgv(this.opts.plan);
    this.commandLine = ['ffmpeg', ...argv].join(' ');
    let child: ChildProcess;
    try {
      child = spawn(this.opts.ffmpegPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      // spawn throws synchronously for arguments it cannot pass (e.g. a NUL byte in a URL).
      this.spawnError = err as Error;
      queueMicrotask(() => this.onEnd(null, null));
      return;
    }
    this.child = child;
    this.opts.children?.track(child, 'ffmpeg', this.opts.owner ?? 'fragmenter');
    const stdout = child.stdout as Readable;
    const stderr = child.stderr as Readable;
    const lines = new LineReader();
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => { for (const line of lines.push(chunk)) this.stderrTail.push(line); });
    stderr.on('end', () => { for (const line of lines.end()) this.stderrTail.push(line); });
    stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    // Pipe errors end in 'close' like everything else; unhandled they would throw.
    stdout.on('error', () => {});
    stderr.on('error', () => {});
    child.on('error', (err) => {
      this.spawnError ??= err; // ENOENT, EACCES: 'close' follows
    });
    child.on('exit', (code) => {
      if (code === 0 && this.state === 'running') {
        // The process is gone; what it wrote may still wait in the pipe (we may have paused
        // reading): keep reading, with no stall timer, until the pipe ends.
        this.endedCleanly = true;
        this.clearStallTimer();
      } else {
        // An error or a stop: what is still in the pipe is not wanted; drain it so 'close' comes.
        stdout.resume();
      }
    });
    child.on('close', (code, signal) => this.onEnd(code, signal));
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
      this.stdout?.destroy();
      this.onEnd(0, null);
      return this.exited;
    }
    this.terminate();
    return this.exited;
  }

  /** running → stopping: SIGTERM now, SIGKILL if ffmpeg is still there after stopTimeoutMs. */
  private terminate(): void {
    this.state = 'stopping';
    this.clearStallTimer();
    const child = this.child;
    if (!child) return; // it never spawned: onEnd is already on its way
    // ffmpeg blocked on a full pipe (paused reading) acts on SIGTERM only once it can write:
    // read and drop what it still writes.
    this.stdout?.resume();
    child.kill('SIGTERM');
    this.killTimer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopTimeoutMs);
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
          this.fragments++;
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

  /** The process has exited and its pipes are closed (or it never spawned): report how it ended. */
  private onEnd(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === 'exited') return;
    const requested = this.state === 'stopping' && this.failure === null;
    const clean = code === 0 && this.spawnError === null;
    this.state = 'exited';
    this.clearStallTimer();
    if (this.killTimer) clearTimeout(this.killTimer);
    let error: PushcastError | null = null;
    if (!requested) {
      const tail = this.stderr.trim();
      const why = this.failure?.message
        ?? (this.spawnError ? `cannot start ffmpeg: ${this.spawnError.message}`
          : signal ? `ffmpeg was killed with signal ${signal}`
          : code !== 0 ? `ffmpeg exited with code ${code}`
          : this.fragments === 0 ? 'ffmpeg ended without producing any media' : 'ffmpeg ended (end of source)');
      error = new PushcastError(this.failure?.code ?? ErrorCode.FFMPEG_EXIT, tail ? `${why}: ${tail}` : why);
    }
    this.emit('exit', { requested, error, endOfSource: !requested && clean && this.failure === null, fragments: this.fragments });
    this.markExited();
  }
}
