/**
 * ffmpeg's machine-readable progress (`-progress pipe:1`: key=value lines, a block per update) and
 * what a person is shown of it: how far a finite job (a faststart or MP4 copy, the sample clip) is
 * and about how long it still takes. Pure.
 */

/** ffmpeg's arguments that make it write progress blocks to stdout instead of the stats line. */
export const PROGRESS_ARGS: readonly string[] = ['-progress', 'pipe:1', '-nostats'];

/**
 * Seconds of output written so far, from one progress line, or null for other lines. ffmpeg
 * writes `out_time_us` (and `out_time_ms`, which despite its name is also microseconds) and
 * `out_time=HH:MM:SS.micro`; before the first packet they read `N/A`.
 */
export function outTimeSec(line: string): number | null {
  const eq = line.indexOf('=');
  if (eq < 0) return null;
  const key = line.slice(0, eq).trim();
  const value = line.slice(eq + 1).trim();
  if (key === 'out_time_us' || key === 'out_time_ms') {
    if (!/^-?\d+$/.test(value)) return null;
    return Math.max(0, Number(value) / 1e6);
  }
  if (key === 'out_time') {
    const m = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value);
    if (!m) return null;
    const sec = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
    return m[1] ? 0 : sec;
  }
  return null;
}

export interface Progress {
  /** 0–1; never 1 before the job has finished (the moov rewrite of +faststart comes last). */
  fraction: number;
  /** Seconds still to go at the rate so far, or null until it can be told. */
  etaSec: number | null;
}

/** Below this fraction the rate is too noisy to promise a time. */
const ETA_MIN_FRACTION = 0.02;
/** The last stretch is held back for the work after the last packet (moov rewrite). */
const MAX_RUNNING_FRACTION = 0.99;

/** How far a job is: `doneSec` of `totalSec` media written after `elapsedMs` of work; null without a length. */
export function progressOf(doneSec: number, totalSec: number | null, elapsedMs: number): Progress | null {
  if (totalSec === null || !(totalSec > 0) || !Number.isFinite(doneSec)) return null;
  const fraction = Math.min(MAX_RUNNING_FRACTION, Math.max(0, doneSec / totalSec));
  const etaSec = fraction >= ETA_MIN_FRACTION && elapsedMs > 0 ? Math.round(((elapsedMs / 1000) * (1 - fraction)) / fraction) : null;
  return { fraction: Math.round(fraction * 1000) / 1000, etaSec };
}
