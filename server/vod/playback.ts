/**
 * Pure policy: given what we know about a file, can a browser play it progressively over HTTP
 * Range, and which copy should /vod/<path> and /vod/<path>?format=mp4 serve?
 *
 * - MP4 family (.mp4 .m4v .m4a) with moov first and MSE-friendly codecs: the original, as is.
 * - Same with moov at the end: a faststart copy (stream copy, moov moved to the front) at the
 *   same URL once it exists; the original until then (it is still valid, just slow to start).
 * - Browser-native progressive formats (.webm with VP8/VP9/AV1 + Opus/Vorbis, .mp3, .ogg …):
 *   the original.
 * - Everything else that carries audio or video (.mkv .ts .mov .avi …): an MP4 copy on
 *   ?format=mp4, remuxed when every stream can be copied (H.264 / AAC / MP3 / Opus, decided by
 *   planCodecs from the probe, never from the extension) and transcoded to H.264 + AAC otherwise.
 */
import { planCodecs } from '../ffmpeg/args.js';
import type { CodecPlan, ProbeResult } from '../ffmpeg/args.js';
import { contentTypeFor } from '../http/mime.js';

/** What a served body is: the file itself or one of the generated copies. */
export type Variant = 'original' | 'faststart' | 'remux' | 'transcode';

export interface MediaFacts {
  /** Extension, lower case, without the dot. */
  ext: string;
  /** From the box walk (box-layout.ts); false/undefined for non-ISO files. */
  iso: boolean;
  faststart: boolean | undefined;
  /**
   * `null` when nothing is known (no ffprobe on this machine). `'not-media'` when ffprobe read
   * the file and found neither audio nor video, or could not read it at all.
   */
  probe: ProbeResult | null | 'not-media';
}

export interface PlaybackPlan {
  /** The original bytes, as they are, play progressively in a current browser. */
  progressive: boolean;
  /** What GET /vod/<path> serves once generated copies are ready. */
  plain: 'original' | 'faststart';
  /** What GET /vod/<path>?format=mp4 serves; null when no MP4 can be made. */
  mp4: Variant | null;
  /** Per-stream codec plan for remux / transcode copies. */
  codecs: CodecPlan;
}

const MP4_FAMILY = new Set(['mp4', 'm4v', 'm4a']);
/** Containers browsers play progressively from a plain URL (codecs checked for webm / ogv). */
const NATIVE_AUDIO = new Set(['mp3', 'ogg', 'opus', 'oga', 'flac', 'wav', 'aac']);
const WEB_VIDEO_CODECS = new Set(['vp8', 'vp9', 'av1']);
const WEB_AUDIO_CODECS = new Set(['opus', 'vorbis']);

const NO_CODECS: CodecPlan = { video: 'none', audio: 'none' };

/** remux when every present stream can be copied, transcode when any must be re-encoded. */
function convertMode(plan: CodecPlan): 'remux' | 'transcode' | null {
  if (plan.video === 'none' && plan.audio === 'none') return null;
  return plan.video === 'x264' || plan.audio === 'aac' ? 'transcode' : 'remux';
}

function isMediaExt(ext: string): boolean {
  return /^(video|audio)\//.test(contentTypeFor(`x.${ext}`));
}

export function planPlayback(facts: MediaFacts): PlaybackPlan {
  const { ext, probe } = facts;
  if (probe === 'not-media' || (probe === null && !isMediaExt(ext))) {
    return { progressive: false, plain: 'original', mp4: null, codecs: NO_CODECS };
  }
  // Without a probe planCodecs(null) transcodes: always correct, only slower.
  const codecs = planCodecs(probe);
  const mode = convertMode(codecs);

  if (MP4_FAMILY.has(ext) && facts.iso) {
    // Unknown codecs in an MP4 are most likely H.264/AAC: trust the container rather than
    // transcode every file on a machine without ffprobe.
    const codecsOk = probe === null || mode === 'remux';
    if (facts.faststart === undefined) {
      // No moov (truncated recording): neither a browser nor ffmpeg can index it.
      return { progressive: false, plain: 'original', mp4: null, codecs };
    }
    const plain = facts.faststart ? 'original' : 'faststart';
    return { progressive: codecsOk && facts.faststart, plain, mp4: codecsOk ? plain : 'transcode', codecs };
  }

  let progressive = false;
  if (NATIVE_AUDIO.has(ext)) progressive = probe === null || probe.audio !== null;
  else if ((ext === 'webm' || ext === 'ogv') && probe !== null) {
    const v = probe.video === null || WEB_VIDEO_CODECS.has(probe.video.codec) || (ext === 'ogv' && probe.video.codec === 'theora');
    const a = probe.audio === null || WEB_AUDIO_CODECS.has(probe.audio.codec);
    progressive = v && a && (probe.video !== null || probe.audio !== null);
  }
  return { progressive, plain: 'original', mp4: mode, codecs };
}
