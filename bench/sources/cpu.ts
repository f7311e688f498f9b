/**
 * CPU of one live channel of `npm run bench -- sources`: a pushcast of its own with one keepAlive
 * channel reading the shared UDP source, remuxed (transcode 'auto': H.264/AAC is copied) or
 * transcoded ('always'), and one WebSocket viewer that reads every fragment, so the server does a
 * viewer's work too. Over each window of `seconds`, from /proc: the server process, its ffmpeg
 * child, and the source ffmpeg (what else the machine was doing).
 */
import WebSocket from 'ws';
import { CANDIDATE_CODECS } from '../../server/core/protocol.js';
import { childPids, cpuMark, cpuSince, rssMB } from '../lib/proc.js';
import { startPushcast } from '../lib/pushcast.js';

export type CpuMode = 'remux' | 'transcode';

export interface CpuWindow {
  /** Cores: 1.0 = one core busy for the whole window. */
  server: number;
  ffmpeg: number;
  /** server + ffmpeg: what the channel costs. */
  channel: number;
  source: number;
  /** What the viewer received, kbit/s (the channel really ran). */
  viewerKbps: number;
  serverRssMB: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A WebSocket viewer of `channel` that counts the bytes of binary frames (init + fragments). */
function wsViewer(url: string, channel: string): { bytes: () => number; firstMedia: Promise<void>; close: () => void } {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false, origin: url });
  let bytes = 0;
  let binaries = 0;
  let gotMedia!: () => void;
  const firstMedia = new Promise<void>((r) => { gotMedia = r; });
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'hello', codecs: CANDIDATE_CODECS, mode: 'mse' }));
    ws.send(JSON.stringify({ type: 'join', channel }));
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    bytes += data.length;
    if (++binaries === 2) gotMedia(); // the init, then the first fragment
  });
  ws.on('error', () => {});
  return { bytes: () => bytes, firstMedia, close: () => ws.terminate() };
}

/** Runs the channel, waits for media and `settleMs`, then measures `repeats` windows of `seconds`. */
export async function measureCpu(mode: CpuMode, sourceUrl: string, sourcePid: number, seconds: number, repeats: number, settleMs = 3000): Promise<CpuWindow[]> {
  const server = await startPushcast({
    config: { channels: [{ id: mode, source: sourceUrl, keepAlive: true, ...(mode === 'transcode' ? { transcode: 'always' } : {}) }] },
  });
  const viewer = wsViewer(server.url, mode);
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`${mode}: no media within 30 s: ${server.output().slice(-600)}`)), 30_000);
    });
    await Promise.race([viewer.firstMedia, timeout]).finally(() => clearTimeout(timer));
    await sleep(settleMs);
    const windows: CpuWindow[] = [];
    for (let r = 0; r < repeats; r++) {
      const ffmpegPid = childPids(server.pid, 'ffmpeg')[0];
      if (ffmpegPid === undefined) throw new Error(`${mode}: the channel's ffmpeg is not running: ${server.output().slice(-600)}`);
      const marks = { server: cpuMark(server.pid), ffmpeg: cpuMark(ffmpegPid), source: cpuMark(sourcePid) };
      const bytes0 = viewer.bytes();
      const t0 = Date.now();
      await sleep(seconds * 1000);
      // cpuSince throws when the process is gone (ffmpeg restarted mid-window): that window is void.
      const read = (m: typeof marks.server): number => { try { return cpuSince(m); } catch { return Number.NaN; } };
      const w = { server: read(marks.server), ffmpeg: read(marks.ffmpeg), source: read(marks.source) };
      windows.push({
        ...w,
        channel: w.server + w.ffmpeg,
        viewerKbps: ((viewer.bytes() - bytes0) * 8) / (Date.now() - t0),
        serverRssMB: rssMB(server.pid),
      });
    }
    return windows;
  } finally {
    viewer.close();
    await server.close();
  }
}
