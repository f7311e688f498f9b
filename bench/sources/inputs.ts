/**
 * The inputs of `npm run bench -- sources` besides the shared live source (bench/lib/source.ts):
 *  - a file for the media folder: 1280×720 30 fps H.264/AAC MP4 of 20 s with a 1 s GOP and the
 *    'media' barcode burnt in, so the page's reader finds its first frame like a live one;
 *  - an SRT listener fed by the live source over UDP. Not ffmpeg's own `srt://…?mode=listener`
 *    output: it serves one caller and exits when that caller leaves, and pushcast connects twice
 *    per start (ffprobe, then ffmpeg), so ffmpeg's listener is gone before the second. The relay
 *    is `srt-live-transmit` (Debian srt-tools), which listens again after every caller, as an SRT
 *    gateway in front of a server does.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { barcodeGraph } from '../lib/barcode.js';
import { stopChild } from '../lib/pushcast.js';

const run = promisify(execFile);
const FFMPEG = process.env['FFMPEG_PATH'] ?? 'ffmpeg';

export const CLIP_SECONDS = 20;

/** The ffmpeg arguments that write the clip (kept for the result file). */
export function clipArgs(file: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', barcodeGraph({ clock: 'media', size: '1280x720', fps: 30 }),
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-map', '0:v', '-map', '1:a', '-t', String(CLIP_SECONDS),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-b:v', '2000k', '-maxrate', '2000k', '-bufsize', '2000k',
    '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-movflags', '+faststart', file,
  ];
}

/** Writes `<dir>/<id>.mp4`; a media-folder file becomes the channel named after its base name. */
export async function makeClip(dir: string, id: string): Promise<string> {
  const file = path.join(dir, `${id}.mp4`);
  await run(FFMPEG, clipArgs(file), { timeout: 180_000 });
  return file;
}

export interface SrtRelay {
  child: ChildProcess;
  /** What pushcast's channel reads. */
  url: string;
  output(): string;
  close(): Promise<void>;
}

/** srt-live-transmit from udp://127.0.0.1:<udpPort> to an SRT listener on <srtPort> (latency 50 ms). */
export async function startSrtRelay(bin: string, udpPort: number, srtPort: number): Promise<SrtRelay> {
  const child = spawn(bin, ['-q', `udp://127.0.0.1:${udpPort}`, `srt://127.0.0.1:${srtPort}?mode=listener&latency=50`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-2000); });
  child.on('error', (err) => { out += `\nspawn error: ${err.message}`; });
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`srt-live-transmit exited (${child.exitCode}): ${out}`);
  return { child, url: `srt://127.0.0.1:${srtPort}?mode=caller`, output: () => out, close: () => stopChild(child) };
}

/** `srt-live-transmit -version` writes to stderr, where report.ts versionOf does not look first. */
export function srtVersion(bin: string): string | null {
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.startsWith('SRT Library version'))?.trim() ?? null;
}
