/**
 * Integration tests need the real ffmpeg. Locally a missing binary skips them with a note; under
 * CI=true it is a failure, never a silent skip (the CI script installs ffmpeg).
 */
import { locateFfmpeg, type FfmpegBinaries } from '../../server/ffmpeg/locate.js';

let cached: Promise<FfmpegBinaries | null> | null = null;

export function findTestFfmpeg(): Promise<FfmpegBinaries | null> {
  cached ??= locateFfmpeg(process.env['FFMPEG_PATH'] ?? null).catch((err: unknown) => {
    if (process.env['CI'] === 'true') throw new Error(`CI=true but no usable ffmpeg: ${(err as Error).message}`);
    process.stderr.write(`[test] ffmpeg not found, skipping integration tests: ${(err as Error).message.split('\n')[0]}\n`);
    return null;
  });
  return cached;
}
