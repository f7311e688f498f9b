/**
 * Pure ffmpeg command lines for the generated copies (tested as full argument tables).
 *
 * Inputs and outputs get the `file:` protocol prefix so a media file named like a URL scheme
 * (`rtmp:x.mkv`, `concat:a|b`) is read as a plain file and never as a protocol.
 */
import type { CodecPlan } from '../ffmpeg/args.js';

export type DerivedKind = 'faststart' | 'remux' | 'transcode';

/** Shared by every job: no prompts, no stdin, only errors on stderr (their tail is reported). */
const COMMON = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];

/** Video re-encode for progressive playback: one keyframe every ~2 s keeps seeking cheap. */
const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-profile:v', 'high', '-g', '48'];
/** Stereo AAC-LC at 48 kHz plays everywhere. */
const AAC = ['-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000'];

/** Per stream: copy what the player can decode, re-encode only the rest (planCodecs decides). */
function codecArgs(codecs: CodecPlan): string[] {
  const out: string[] = [];
  if (codecs.video === 'none') out.push('-vn');
  else if (codecs.video === 'x264') out.push(...X264);
  else out.push('-c:v', 'copy');
  if (codecs.audio === 'none') out.push('-an');
  else if (codecs.audio === 'aac') out.push(...AAC);
  else out.push('-c:a', 'copy');
  return out;
}

/**
 * Arguments for one job writing `output` (always an MP4 with moov first: `+faststart` rewrites
 * the file once the samples are written).
 * - faststart: every stream copied as is; only the box order changes.
 * - remux / transcode: the first real video stream (`V` skips cover art) and the first audio
 *   stream, each copied or re-encoded as `codecs` says; subtitles and data are dropped because
 *   MP4 cannot carry most of them (ASS, PGS, DVB).
 */
export function deriveArgs(kind: DerivedKind, input: string, output: string, codecs: CodecPlan): string[] {
  const io = ['-i', `file:${input}`];
  const tail = ['-movflags', '+faststart', '-f', 'mp4', `file:${output}`];
  if (kind === 'faststart') {
    return [...COMMON, ...io, '-map', '0', '-c', 'copy', '-map_metadata', '0', ...tail];
  }
  const maps = ['-map', '0:V:0?', '-map', '0:a:0?', '-sn', '-dn'];
  return [...COMMON, ...io, ...maps, ...codecArgs(codecs), ...tail];
}
