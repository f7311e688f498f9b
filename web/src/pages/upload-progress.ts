/**
 * The upload panel's arithmetic (pure): the transfer rate over a sliding window, the progress line
 * ("12.0 MiB of 40.0 MiB · 30 % · 2.0 MiB/s · 14 s left"), and which unfinished upload on the
 * server a file the user picked continues.
 */
import { formatBytes } from './format.js';

/** One row of GET /api/uploads (server/upload/outcome.ts UploadEntry). */
export interface UnfinishedUpload {
  id: string;
  filename: string | null;
  size: number | null;
  offset: number;
  created: string | null;
  expires: string | null;
}

/**
 * Bytes per second over the last `windowMs`: long enough to smooth the bursts of chunked sends,
 * short enough to follow a network that slows down.
 */
export class RateMeter {
  private samples: Array<{ at: number; bytes: number }> = [];
  constructor(private readonly windowMs = 5_000) {}

  /** `bytes`: the total sent so far, at `at` ms. */
  sample(bytes: number, at: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  /** null until two samples at least 200 ms apart exist. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 200) return null;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  /** After a pause the old samples would make the rate look low. */
  reset(): void {
    this.samples = [];
  }
}

/** 14 → "14 s", 185 → "3 min 05 s", 7300 → "2 h 01 min". */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.ceil(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export interface Progress {
  /** 0–100, whole. */
  percent: number;
  text: string;
}

export function describeProgress(sent: number, total: number, rate: number | null): Progress {
  const percent = total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : 100;
  const parts = [`${formatBytes(sent)} of ${formatBytes(total)}`, `${percent} %`];
  if (sent < total && rate !== null) {
    parts.push(`${formatBytes(Math.round(rate))}/s`);
    parts.push(rate > 0 ? `${formatDuration((total - sent) / rate)} left` : 'stalled');
  }
  return { percent, text: parts.join(' · ') };
}

/** The unfinished upload a picked file continues: same name and size, the newest first. */
export function matchUnfinished(file: { name: string; size: number }, uploads: readonly UnfinishedUpload[]): UnfinishedUpload | null {
  return uploads.find((u) => u.filename === file.name && u.size === file.size) ?? null;
}
