// After `npm install`: say which ffmpeg pushcast will use, or how to get one, then build the server
// and the web side (only what is out of date: build-stamp.mjs), so `npm start` builds nothing.
// Never fails the install (ffmpeg-static's own downloader cannot reach the internet on offline
// machines, and the server reports a missing ffmpeg clearly at startup anyway; a failed build is
// tried again by `npm start`).
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-stamp.mjs';

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find() {
  if (process.env.FFMPEG_PATH) return executable(process.env.FFMPEG_PATH) ? `FFMPEG_PATH (${process.env.FFMPEG_PATH})` : null;
  try {
    const p = createRequire(import.meta.url)('ffmpeg-static');
    if (typeof p === 'string' && executable(p)) return `ffmpeg-static (${p})`;
  } catch {
    // optional dependency not installed
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, 'ffmpeg'))) return `PATH (${path.join(dir, 'ffmpeg')})`;
  }
  return null;
}

try {
  const found = find();
  if (found) console.log(`pushcast: ffmpeg found via ${found}`);
  else {
    console.warn('pushcast: ffmpeg not found. Install it ("apt-get install ffmpeg" / "brew install ffmpeg"),');
    console.warn('          or set FFMPEG_PATH=/path/to/ffmpeg, before "npm start".');
  }
} catch (err) {
  console.warn(`pushcast: ffmpeg check skipped (${err?.message ?? err})`);
}

try {
  buildIfStale({ root: fileURLToPath(new URL('..', import.meta.url)) });
} catch (err) {
  console.warn(`pushcast: build skipped (${err?.message ?? err}); "npm start" will try again`);
}
