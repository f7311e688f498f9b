/**
 * `npm run media [-- --duration 60 --out media/sample.mp4]`: (re)generates the sample clip with
 * ffmpeg. `npm start` does this by itself when the media folder holds no video.
 */
import { parseArgs } from 'node:util';
import { locateFfmpeg } from '../server/ffmpeg/locate.js';
import { generateSample } from '../server/sample-media.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '60' }, out: { type: 'string', default: 'media/sample.mp4' } },
});
const durationSec = Number(values.duration);
if (!Number.isFinite(durationSec) || durationSec <= 0 || durationSec > 3600) {
  console.error(`--duration must be 1–3600 seconds, got ${values.duration}`);
  process.exit(2);
}
const ffmpeg = await locateFfmpeg(process.env['FFMPEG_PATH'] ?? null);
const started = Date.now();
await generateSample({ ffmpeg: ffmpeg.ffmpeg, file: values.out, durationSec });
console.log(`wrote ${values.out} (${durationSec} s) in ${Date.now() - started} ms with ${ffmpeg.version}`);
