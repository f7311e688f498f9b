/**
 * Asks ffprobe (through fluent-ffmpeg) what a source carries, so the codec policy decides from
 * facts instead of file extensions. Network sources get a timeout so a dead URL fails fast.
 */
import ffmpeg from 'fluent-ffmpeg';
import { ErrorCode, PushcastError } from '../errors.js';
import { networkInputOptions, type ProbeResult } from './args.js';

export function probeSource(ffprobePath: string, url: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const cmd = ffmpeg(url).setFfprobePath(ffprobePath);
    cmd.ffprobe(['-v', 'error', ...networkInputOptions(url)], (err: Error | null, data) => {
      if (err) {
        // fluent-ffmpeg puts ffprobe's stderr in the message; keep its last lines only.
        const tail = err.message.split('\n').filter(Boolean).slice(-4).join(' | ');
        reject(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `cannot read source: ${tail}`, { cause: err }));
        return;
      }
      const v = data.streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
      const a = data.streams.find((s) => s.codec_type === 'audio');
      const rawDuration = Number(data.format.duration);
      resolve({
        video: v ? { codec: v.codec_name ?? 'unknown', profile: v.profile === undefined ? null : String(v.profile), pixFmt: v.pix_fmt ?? null } : null,
        audio: a ? { codec: a.codec_name ?? 'unknown' } : null,
        duration: Number.isFinite(rawDuration) && rawDuration > 0 ? rawDuration : null,
      });
    });
  });
}
