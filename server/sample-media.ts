/**
 * Generates the sample clip a fresh clone plays: 60 s of H.264/AAC with a moving test pattern, a
 * burned-in timecode and a beep every second, so `npm start` has a file channel without committing
 * binaries. Runs on first start when the media folder has no video, or via `npm run media`.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findFont } from './channel/sources.js';
import { createFfmpegRunner, DeriveError } from './vod/ffmpeg-job.js';

/** A generation that takes longer than this is stuck: stopped and reported, ms. */
const SAMPLE_TIMEOUT_MS = 300_000;

export interface SampleOptions {
  ffmpeg: string;
  /** Output file, e.g. media/sample.mp4. */
  file: string;
  /** Seconds. */
  durationSec?: number;
  /** Aborting kills ffmpeg (server shutdown) and removes the partial file. */
  signal?: AbortSignal;
  /** How far it is, 0–1, as ffmpeg reports (about twice a second). */
  onProgress?: (fraction: number) => void;
}

/** The ffmpeg argv for the sample (pure, so tests can check it). */
export function sampleArgs(file: string, durationSec: number, fontFile: string | null): string[] {
  let video = `testsrc2=size=960x540:rate=30:duration=${durationSec}`;
  if (fontFile) {
    const font = fontFile.replace(/\\/g, '/').replace(/:/g, '\\:');
    video += `,drawtext=fontfile='${font}':text='sample %{pts\\:hms}  frame %{n}':fontsize=40:fontcolor=white:box=1:boxcolor=black@0.6:x=24:y=h-th-24`;
  }
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', video,
    '-f', 'lavfi', '-i', `sine=frequency=660:beep_factor=3:sample_rate=48000:duration=${durationSec}`,
    // A keyframe every second (30 frames) so the file channel remuxes with short GOPs.
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k',
    '-movflags', '+faststart', '-shortest',
    file,
  ];
}

/** Writes the clip to a temporary name first so a half-written file never becomes a channel. */
export async function generateSample({ ffmpeg, file, durationSec = 60, signal, onProgress }: SampleOptions): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = path.join(path.dirname(file), `.partial-${path.basename(file)}`);
  const stop = AbortSignal.any([AbortSignal.timeout(SAMPLE_TIMEOUT_MS), ...(signal ? [signal] : [])]);
  const report = onProgress ? (doneSec: number) => onProgress(Math.min(1, doneSec / durationSec)) : undefined;
  try {
    await createFfmpegRunner(ffmpeg)(sampleArgs(partial, durationSec, findFont()), stop, report);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    // ffmpeg's own last words say why (a missing encoder, a full disk).
    if (err instanceof DeriveError && err.stderrTail) throw new Error(`${err.message}: ${err.stderrTail}`);
    throw err;
  }
}
