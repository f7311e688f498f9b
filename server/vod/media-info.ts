/**
 * Facts about one media file, for /api/media and for choosing what /vod/ serves:
 * - the top-level box layout (box-layout.ts): is moov before mdat?
 * - for ISO files, the movie header read by mp4box from ftyp + moov only (RFC 6381 codec strings
 *   a browser can hand to `MediaSource.isTypeSupported`, and the duration);
 * - for every file, ffprobe's codec names and duration (what planCodecs decides from).
 * Nothing here writes; every failure becomes a field value, never an exception.
 */
import { promises as fsp } from 'node:fs';
import { createFile, MP4BoxBuffer } from 'mp4box';
import type { Movie } from 'mp4box';
import type { ProbeResult } from '../ffmpeg/args.js';
import { probeSource } from '../ffmpeg/probe.js';
import { scanTopLevelBoxes } from './box-layout.js';
import type { Layout } from './box-layout.js';

export interface Mp4Summary {
  /** e.g. `video/mp4; codecs="avc1.64001f,mp4a.40.2"`. */
  mime: string;
  /** RFC 6381 codec strings, one per track. */
  codecs: string[];
  /** Seconds, or null when the movie header says 0 (fragmented files). */
  durationSec: number | null;
}

export interface MediaInfo {
  layout: Layout;
  mp4: Mp4Summary | null;
  /** See MediaFacts.probe in playback.ts. */
  probe: ProbeResult | null | 'not-media';
  /** Why probing failed, for the API (ffprobe's stderr tail). */
  probeError: string | null;
}

/**
 * mp4box needs ftyp before moov but nothing else, so we hand it just those two boxes: a few KB
 * to a few MB, whatever the file size. Larger moov boxes (many hours of tiny samples) are
 * skipped rather than buffered.
 */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

function summarize(movie: Movie): Mp4Summary {
  return {
    mime: movie.mime,
    codecs: movie.tracks.map((t) => t.codec).filter((c) => c !== ''),
    durationSec: movie.timescale > 0 && movie.duration > 0 ? movie.duration / movie.timescale : null,
  };
}

/** Parses ftyp + moov bytes with mp4box; null when they do not make a movie. */
export function parseMovieHeader(ftyp: Uint8Array, moov: Uint8Array): Mp4Summary | null {
  const joined = new Uint8Array(ftyp.length + moov.length);
  joined.set(ftyp, 0);
  joined.set(moov, ftyp.length);
  let movie: Movie | undefined;
  const file = createFile();
  file.onReady = (info: Movie) => {
    movie = info;
  };
  file.onError = () => {
    movie = undefined;
  };
  try {
    file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(joined.buffer, 0));
    file.flush();
  } catch {
    return null; // mp4box throws on corrupt boxes; "unknown" is the honest answer
  }
  return movie ? summarize(movie) : null;
}

async function readMovieHeader(absPath: string, layout: Layout): Promise<Mp4Summary | null> {
  const { ftyp, moov } = layout;
  if (!ftyp || !moov || moov.size > MAX_MOOV_BYTES || ftyp.size > 4096) return null;
  const handle = await fsp.open(absPath, 'r');
  try {
    const ftypBytes = Buffer.alloc(ftyp.size);
    const moovBytes = Buffer.alloc(moov.size);
    const a = await handle.read(ftypBytes, 0, ftyp.size, ftyp.start);
    const b = await handle.read(moovBytes, 0, moov.size, moov.start);
    if (a.bytesRead !== ftyp.size || b.bytesRead !== moov.size) return null; // shrank meanwhile
    return parseMovieHeader(ftypBytes, moovBytes);
  } finally {
    await handle.close();
  }
}

async function readLayout(absPath: string): Promise<Layout> {
  const handle = await fsp.open(absPath, 'r');
  try {
    const stat = await handle.stat();
    return await scanTopLevelBoxes(handle, stat.size);
  } finally {
    await handle.close();
  }
}

async function probe(
  ffprobePath: string | null,
  absPath: string,
): Promise<{ probe: MediaInfo['probe']; probeError: string | null }> {
  if (ffprobePath === null) return { probe: null, probeError: null };
  try {
    // `file:` so a name such as `rtsp:x.mkv` is never taken for a protocol.
    const result = await probeSource(ffprobePath, `file:${absPath}`);
    if (result.video === null && result.audio === null) return { probe: 'not-media', probeError: 'no audio or video stream' };
    return { probe: result, probeError: null };
  } catch (err) {
    return { probe: 'not-media', probeError: err instanceof Error ? err.message : String(err) };
  }
}

export interface InspectOptions {
  ffprobePath: string | null;
  /** false: only the cheap box walk (what a plain /vod/ request needs). */
  withProbe: boolean;
}

/** Gathers the facts; I/O errors on the file itself reject (the caller answers 404 / logs). */
export async function inspectMedia(absPath: string, opts: InspectOptions): Promise<MediaInfo> {
  const layout = await readLayout(absPath);
  if (!opts.withProbe) return { layout, mp4: null, probe: null, probeError: null };
  const [mp4, probed] = await Promise.all([
    layout.iso ? readMovieHeader(absPath, layout).catch(() => null) : Promise.resolve(null),
    probe(opts.ffprobePath, absPath),
  ]);
  return { layout, mp4, ...probed };
}

/** A file's length in seconds: from the MP4 movie header, else ffprobe's; null when neither knows. */
export function durationOf(info: Pick<MediaInfo, 'mp4' | 'probe'>): number | null {
  const probed = typeof info.probe === 'object' && info.probe !== null ? info.probe.duration : null;
  return info.mp4?.durationSec ?? probed ?? null;
}
