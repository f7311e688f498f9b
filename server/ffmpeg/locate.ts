/**
 * Finds the ffmpeg (and ffprobe) binaries. Order, first hit wins:
 *   1. an explicit path (FFMPEG_PATH or config.ffmpegPath),
 *   2. the optional `ffmpeg-static` package, when its binary was actually downloaded,
 *   3. `ffmpeg` on PATH.
 * ffmpeg-static's installer fetches its binary from the internet, so on offline machines it is
 * usually absent; that is why it is optional and why PATH is the common case here.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FfmpegBinaries {
  ffmpeg: string;
  /** null when no ffprobe can be found: sources are then transcoded instead of probed. */
  ffprobe: string | null;
  /** First line of `ffmpeg -version`. */
  version: string;
  /** Which rule found ffmpeg, for the startup log. */
  foundBy: 'explicit' | 'ffmpeg-static' | 'PATH';
}

export const FFMPEG_MISSING_HELP = `ffmpeg was not found. pushcast needs it; get one of these ways:
  1. install it from your OS packages, e.g. "apt-get install ffmpeg" (Debian/Ubuntu) or "brew install ffmpeg", so "ffmpeg" is on PATH;
  2. or set FFMPEG_PATH=/path/to/ffmpeg (or "ffmpegPath" in the --config file);
  3. or "npm install ffmpeg-static" on a machine with internet access (its installer downloads a binary).`;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Searches PATH like a shell would; returns null when not found. */
export function whichSync(name: string, envPath = process.env['PATH'] ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** ffmpeg-static exports the binary path (or null on unsupported platforms); the file may not exist. */
function ffmpegStaticPath(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const p = require('ffmpeg-static') as unknown;
    return typeof p === 'string' && isExecutable(p) ? p : null;
  } catch {
    return null; // not installed: it is an optional dependency
  }
}

export async function locateFfmpeg(explicit: string | null): Promise<FfmpegBinaries> {
  let ffmpeg: string | null = null;
  let foundBy: FfmpegBinaries['foundBy'] = 'PATH';
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new Error(`FFMPEG_PATH / ffmpegPath points at "${explicit}", which is not an executable file.\n${FFMPEG_MISSING_HELP}`);
    }
    ffmpeg = explicit;
    foundBy = 'explicit';
  } else if ((ffmpeg = ffmpegStaticPath())) {
    foundBy = 'ffmpeg-static';
  } else {
    ffmpeg = whichSync('ffmpeg');
  }
  if (!ffmpeg) throw new Error(FFMPEG_MISSING_HELP);

  let version: string;
  try {
    const { stdout } = await run(ffmpeg, ['-hide_banner', '-version'], { timeout: 10_000 });
    version = stdout.split('\n')[0]?.trim() ?? 'unknown';
  } catch (err) {
    throw new Error(`"${ffmpeg}" did not run as ffmpeg (${(err as Error).message}).\n${FFMPEG_MISSING_HELP}`);
  }

  const probeEnv = process.env['FFPROBE_PATH'];
  const sibling = path.join(path.dirname(ffmpeg), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
  const ffprobe = probeEnv && isExecutable(probeEnv) ? probeEnv : isExecutable(sibling) ? sibling : whichSync('ffprobe');
  return { ffmpeg, ffprobe, version, foundBy };
}
