/**
 * A stand-in for the Fragmenter (no ffmpeg) for channel tests: it reads where the channel asked it
 * to start from the real ffmpeg argument list (-ss, -output_ts_offset), then plays a synthetic
 * file of `fileSec` seconds as fMP4: one init, then 200 ms fragments (a keyframe every second)
 * built from real boxes, honouring pause/resume like a blocked pipe, and ends like ffmpeg at the
 * end of its input. Not a test file itself.
 */
import { EventEmitter } from 'node:events';
import { planToArgv } from '../../../server/ffmpeg/args.js';
import type { FfmpegRun, Fragment, FragmenterEvents, FragmenterOptions, InitSegment } from '../../../server/ffmpeg/fragmenter.js';
import { box, u32 } from '../media/boxes.js';

export const FRAGMENT_SEC = 0.2;

export function fakeInit(): InitSegment {
  const data = Buffer.concat([box('ftyp', Buffer.from('iso6'), u32(0)), box('moov', box('mvhd', u32(0)))]);
  return { data, mime: 'video/mp4; codecs="avc1.64001f"', codecs: ['avc1.64001f'], tracks: [{ id: 1, type: 'video', codec: 'avc1.64001f', timescale: 90_000 }], duration: null, videoTrackId: 1 };
}

function fragmentAt(startSec: number, seq: number): Fragment {
  const data = Buffer.concat([box('moof', box('mfhd', u32(0, seq))), box('mdat', Buffer.alloc(100))]);
  const key = Math.abs(startSec - Math.round(startSec)) < 1e-6;
  return { data, key, startSec, durationSec: FRAGMENT_SEC };
}

function argAfter(argv: string[], flag: string): number {
  const i = argv.indexOf(flag);
  return i < 0 ? 0 : Number(argv[i + 1]);
}

export class FakeRun extends EventEmitter<FragmenterEvents> implements FfmpegRun {
  readonly pid = null;
  readonly commandLine = 'fake ffmpeg';
  /** Seconds into the file where this run starts (-ss), and media time of file position 0. */
  readonly startSec: number;
  readonly offsetSec: number;
  private filePos: number;
  private paused = false;
  private state: 'idle' | 'running' | 'exited' = 'idle';
  private count = 0;

  constructor(opts: FragmenterOptions, private readonly fileSec: number) {
    super();
    const argv = planToArgv(opts.plan);
    this.startSec = argAfter(argv, '-ss');
    this.offsetSec = argAfter(argv, '-output_ts_offset');
    // Input seeking lands on the keyframe at or before -ss, as ffmpeg's does with copy.
    this.filePos = Math.floor(this.startSec);
  }

  start(): void {
    this.state = 'running';
    setTimeout(() => {
      if (this.state !== 'running') return;
      this.emit('init', fakeInit());
      this.pump();
    }, 5);
  }

  pause(): void { this.paused = true; }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    setTimeout(() => this.pump(), 0);
  }

  stop(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    this.end(true);
    return Promise.resolve();
  }

  private pump(): void {
    while (this.state === 'running' && !this.paused && this.filePos < this.fileSec - 1e-9) {
      this.count++;
      this.emit('fragment', fragmentAt(this.offsetSec + this.filePos, this.count));
      this.filePos = Math.round((this.filePos + FRAGMENT_SEC) * 1000) / 1000;
    }
    if (this.state === 'running' && this.filePos >= this.fileSec - 1e-9) setTimeout(() => this.end(false), 5);
  }

  private end(requested: boolean): void {
    if (this.state !== 'running') return;
    this.state = 'exited';
    this.emit('exit', { requested, error: null, endOfSource: !requested, fragments: this.count });
  }
}
