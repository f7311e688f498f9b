/**
 * Generates the sample clip a fresh clone plays: 60 s of H.264/AAC with a moving test pattern, a
 * burned-in timecode and a beep every second, so `npm start` has a file channel without committing
 * binaries. Runs on first start when the media folder has no video, or via `npm run media`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFont } from './channel/sources.js';

const run = promisify(execFile);

export interface SampleOptions {
  ffmpeg: string;
  /** Output file, e.g. media/sample.mp4. */
  file: string;
  /** Seconds. */
  durationSec?: number;
  /** Aborting kills ffmpeg (server shutdown) and removes the partial file. */
  signal?: AbortSignal;
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
export async function generateSample({ ffmpeg, file, durationSec = 60, signal }: SampleOptions): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = path.join(path.dirname(file), `.partial-${path.basename(file)}`);
  try {
    await run(ffmpeg, sampleArgs(partial, durationSec, findFont()), { timeout: 300_000, ...(signal ? { signal } : {}) });
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}
