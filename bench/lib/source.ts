/**
 * The live source every delay and fan-out benchmark feeds to pushcast and its peers: ONE ffmpeg that
 * draws the barcode clock (barcode.ts) over a test pattern, encodes it once (x264 zerolatency,
 * constant bitrate, fixed GOP, AAC tone) and sends the same packets to every output through the
 * `tee` muxer, so each server sees identical frames at identical times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { barcodeGraph, type BarcodeClock } from './barcode.js';
import { stopChild } from './pushcast.js';

export interface SourceOptions {
  clock: BarcodeClock;
  /** tee outputs, e.g. `[f=mpegts]udp://127.0.0.1:1234?pkt_size=1316` or `[f=flv]rtmp://…`. */
  outputs: string[];
  size?: string;
  fps?: number;
  /** Video bitrate, kbit/s. */
  kbps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  audio?: boolean;
  ffmpeg?: string;
}

export interface RunningSource {
  child: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

/** ffmpeg arguments of the source (exported for the record in each result file). */
export function sourceArgs(o: SourceOptions): string[] {
  const fps = o.fps ?? 30;
  const kbps = o.kbps ?? 2000;
  const audio = o.audio ?? true;
  // Picture and tone come from ONE graph, each paced by its own realtime filter from the graph's
  // start, so equal timestamps mean equal capture times, as in a camera or OBS. With two -re
  // inputs they started ~0.4 s apart: every receiver had to hold the picture until the tone of
  // the same timestamp arrived, and both servers looked 0.4 s slower than they are.
  // The wall clock: both streams keep the RTC (less an epoch) as timestamps, so they line up by
  // capture time whatever each filter chain's start-up took.
  const epochMs = Date.now() - 10_000;
  const wall = o.clock === 'wallclock';
  let graph = `${barcodeGraph({ clock: o.clock, size: o.size ?? '1280x720', fps, ...(wall ? { epochMs } : {}) })}${wall ? '' : ',realtime'}[out0]`;
  // The tone starts at its wall-clock start and then counts samples: stamping every audio frame
  // with the RTC left jittered gaps in the audio track, at which Chromium stopped and rebuffered.
  if (audio) graph += `;sine=frequency=440:sample_rate=48000,arealtime${wall ? `,asetpts=(RTCSTART-${epochMs}000)/1000000/TB+N` : ''}[out1]`;
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', graph];
  args.push(
    '-map', '0:v', ...(audio ? ['-map', '0:a'] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-g', String(o.gop ?? fps), '-keyint_min', String(o.gop ?? fps), '-sc_threshold', '0',
    ...(audio ? ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000'] : []),
    '-flags', '+global_header', '-f', 'tee', o.outputs.map((s) => s.replace(/^\[([^\]]*)\]/, (_m, opts: string) => `[${opts}:onfail=ignore]`)).join('|'),
  );
  return args;
}

export async function startSource(o: SourceOptions): Promise<RunningSource> {
  const child = spawn(o.ffmpeg ?? process.env['FFMPEG_PATH'] ?? 'ffmpeg', sourceArgs(o), { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-4000); });
  child.on('error', (err) => { out += `\nspawn error: ${err.message}`; });
  // Give it a moment to fail on a bad graph or an unreachable RTMP server.
  await new Promise((r) => setTimeout(r, 1500));
  if (child.exitCode !== null) throw new Error(`source ffmpeg exited (${child.exitCode}): ${out}`);
  return { child, output: () => out, close: () => stopChild(child) };
}
