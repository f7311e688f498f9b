/**
 * Pure ffmpeg command planning: which inputs with which options, which codecs, which muxer flags.
 * Everything here is data in → data out so the full command lines can be tested as a table
 * (test/server/ffmpeg/args.test.ts). fragmenter.ts hands the plan to fluent-ffmpeg.
 */
import type { TranscodePolicy } from '../runtime/config.js';

export type SourceSpec =
  /** ffmpeg's test pattern + a beeping tone; fontFile enables the burned-in wall clock. */
  | { kind: 'test'; fontFile: string | null }
  /** A local file, played at real-time pace, looping. */
  /**
   * A local file, read as fast as the consumer pulls it (the channel's pacer sets the pace), from
   * `startSec` (input seeking), with its own timestamps kept and shifted by `tsOffsetSec` so that
   * media time = tsOffsetSec + file time. Without the two fields: from 0, unshifted.
   */
  | { kind: 'file'; path: string; startSec?: number; tsOffsetSec?: number }
  /**
   * Any ffmpeg URL (udp, rtsp, rtmp, srt, http…); `paced` when the probe found a finite duration;
   * `analyzeUs`: ffmpeg's analysis window (channel/start-plan.ts), LIVE_ANALYZE_US without it.
   */
  | { kind: 'live'; url: string; paced: boolean; analyzeUs?: number };

/** What ffprobe told us; null fields mean "no such stream". */
export interface ProbeResult {
  video: { codec: string; profile: string | null; pixFmt: string | null } | null;
  audio: { codec: string } | null;
  /** Seconds, or null for live / unknown. */
  duration: number | null;
  /** ffprobe's format_name ("mov,mp4,m4a,3gp,3g2,mj2", "hls" …), when it named one (containers.ts). */
  container?: string;
}

export interface CodecPlan {
  video: 'copy' | 'x264' | 'none';
  /**
   * 'copy-aac': AAC passed through. It may arrive as ADTS (MPEG-TS, raw AAC over UDP/HTTP…),
   * which MP4 cannot carry and whose AudioSpecificConfig is only known from the first packet, so
   * it is repacked (aac_adtstoasc) and the init segment waits for that packet (delay_moov).
   */
  audio: 'copy' | 'copy-aac' | 'aac' | 'none';
}

export interface FfmpegInput {
  url: string;
  options: string[];
}
export interface FfmpegPlan {
  inputs: FfmpegInput[];
  outputOptions: string[];
  output: 'pipe:1';
}

export interface OutputTuning {
  /** Target fragment duration, ms. */
  fragmentMs: number;
  /** Keyframe spacing when transcoding, seconds. */
  keyframeIntervalSec: number;
}

/** H.264 profiles MSE implementations decode (Chrome, Safari, Firefox): 8-bit 4:2:0 only. */
const MSE_H264_PROFILES = new Set(['Baseline', 'Constrained Baseline', 'Main', 'Extended', 'High']);
/** Audio codecs MSE plays inside fMP4. */
const MSE_AUDIO = new Set(['aac', 'mp3', 'opus']);

/**
 * The same policy read from an init segment's codec strings (RFC 6381) instead of a probe: 8-bit
 * 4:2:0 H.264, AAC, MP3, Opus (channel/start-plan.ts checks a direct start's init with it).
 */
export function playableInMse(codec: string): boolean {
  const c = codec.toLowerCase();
  // avc1.PPCCLL: profile_idc 0x42 Baseline, 0x4d Main, 0x58 Extended, 0x64 High (0x6e High 10,
  // 0x7a High 4:2:2 and 0xf4 High 4:4:4 are not decoded by MSE implementations).
  if (/^avc[13]\.(42|4d|58|64)[0-9a-f]{4}$/.test(c)) return true;
  return /^mp4a\.40\.(2|5|29|34)$/.test(c) || c === 'mp4a.69' || c === 'mp4a.6b' || c === 'opus';
}

/**
 * Codec policy: remux (`copy`) what MSE can play, transcode the rest to H.264/AAC.
 * Decided from the probe, never from a file extension. With no probe (no ffprobe, or the test
 * pattern) we transcode: always correct, just costlier.
 */
export function planCodecs(probe: ProbeResult | null, policy: TranscodePolicy = 'auto'): CodecPlan {
  if (!probe) return { video: 'x264', audio: 'aac' };
  const { video, audio } = probe;
  const videoOk = video !== null && video.codec === 'h264'
    && (video.profile === null || MSE_H264_PROFILES.has(video.profile))
    && (video.pixFmt === null || video.pixFmt === 'yuv420p' || video.pixFmt === 'yuvj420p');
  const audioOk = audio !== null && MSE_AUDIO.has(audio.codec);
  const copyVideo = policy === 'never' || (policy === 'auto' && videoOk);
  const copyAudio = policy === 'never' || (policy === 'auto' && audioOk);
  return {
    video: video === null ? 'none' : copyVideo ? 'copy' : 'x264',
    audio: audio === null ? 'none' : !copyAudio ? 'aac' : audio.codec === 'aac' ? 'copy-aac' : 'copy',
  };
}

/**
 * How long ffprobe and ffmpeg each study a live stream before they start, µs. MPEG-TS and other
 * header-less formats are read for the whole window (new streams may still appear), so ffmpeg's
 * default of 5 s made a live channel take over 10 s to start (probe, then ffmpeg). 2.5 s still
 * covers a keyframe interval of up to 2.5 s, which H.264 needs for its SPS/PPS.
 */
export const LIVE_ANALYZE_US = 2_500_000;
/** Network timeout, µs: an unreachable or silent source fails instead of hanging. */
const NETWORK_TIMEOUT_US = '10000000';

/**
 * The protocols ffmpeg may open while reading a source of each scheme: the scheme itself and what
 * it runs on. Without a whitelist a source can make ffmpeg open others: an HTTP playlist (HLS, a
 * concat list, an SDP) naming `file:///etc/passwd` or `subfile:` segments would read this
 * machine's files into a channel. Nested openings (a playlist's segments, a redirect) are checked
 * against the same list. A scheme not listed here (an operator's own) gets itself plus the socket
 * layers.
 */
const PROTOCOLS: Readonly<Record<string, string>> = {
  udp: 'udp',
  rtp: 'rtp,udp',
  rtsp: 'rtsp,rtp,udp,tcp',
  rtsps: 'rtsps,rtsp,rtp,udp,tcp,tls',
  rtmp: 'rtmp,tcp',
  rtmps: 'rtmps,rtmp,tcp,tls',
  srt: 'srt,udp',
  // HLS over HTTP may redirect between http and https and decrypt AES-128 segments (crypto).
  http: 'http,https,tcp,tls,crypto',
  https: 'http,https,tcp,tls,crypto',
};

/** A URL's scheme in lower case (`udp`, `rtsp` …); '' for a plain path. */
export function urlScheme(url: string): string {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase() ?? '';
}

/** ffmpeg's -protocol_whitelist for a URL's scheme. */
export function protocolWhitelist(scheme: string): string {
  return PROTOCOLS[scheme] ?? [...new Set([scheme, 'tcp', 'udp', 'tls'])].join(',');
}

/**
 * Options for reading a network URL that ffprobe and ffmpeg share: the protocols it may open
 * (protocolWhitelist), the analysis window and a 10 s socket timeout in each protocol's own option
 * (rtsp: -timeout over TCP; udp/rtp: -timeout, so a publisher that goes quiet fails instead of
 * waiting for our stall timer; others: -rw_timeout). Nothing for plain paths.
 */
export function networkInputOptions(url: string, analyzeUs = LIVE_ANALYZE_US): string[] {
  const scheme = urlScheme(url);
  if (scheme === '' || scheme === 'file') return [];
  const opts = ['-protocol_whitelist', protocolWhitelist(scheme), '-analyzeduration', String(analyzeUs)];
  if (scheme === 'rtsp' || scheme === 'rtsps') opts.push('-rtsp_transport', 'tcp', '-timeout', NETWORK_TIMEOUT_US);
  else if (scheme === 'udp' || scheme === 'rtp') opts.push('-timeout', NETWORK_TIMEOUT_US);
  else opts.push('-rw_timeout', NETWORK_TIMEOUT_US);
  return opts;
}

/**
 * Options that make ffmpeg read a network source with as little buffering as it can. Not
 * `-fflags nobuffer`: it throws away the packets read during the analysis, so output began only
 * after the window AND the next keyframe (measured: 1.9–2.5 s for a 1 s window and a 1 s GOP,
 * and with a 0.5 s window 2 starts in 5 never found the SPS); kept, they leave at once as a burst
 * that starts on a keyframe (1.3–1.7 s), and the player jumps to the live edge over it.
 */
function liveInputOptions(url: string, paced: boolean, analyzeUs?: number): string[] {
  const opts = ['-flags', 'low_delay', ...networkInputOptions(url, analyzeUs)];
  // A URL with a finite duration is a file behind a protocol: pace it or it would arrive as fast as the network allows.
  if (paced) opts.unshift('-re');
  return opts;
}

/**
 * Escapes a path for a drawtext option inside a filtergraph: first as an option value (\ ' :), then
 * for the graph description (\ ' [ ] , ;), per ffmpeg-filters "Notes on filtergraph escaping".
 * Quoting instead cannot hold a path that contains a quote.
 */
const escapeDrawtext = (p: string): string => p
  .replace(/\\/g, '/')
  .replace(/[\\':]/g, '\\$&')
  .replace(/[\\'[\],;]/g, '\\$&');

/** Seconds as ffmpeg reads them: plain decimal, millisecond precision, no exponent. */
function secondsArg(sec: number): string {
  return (Math.round(sec * 1000) / 1000).toFixed(3);
}

export function buildInputs(source: SourceSpec): FfmpegInput[] {
  switch (source.kind) {
    case 'test': {
      // testsrc2 at 30 fps; the clock shows the server's local time and the stream's own pts.
      let video = 'testsrc2=size=960x540:rate=30';
      if (source.fontFile) {
        const font = escapeDrawtext(source.fontFile);
        video += `,drawtext=fontfile=${font}:text='%{localtime\\:%X}':fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:x=24:y=24`
          + `,drawtext=fontfile=${font}:text='%{pts\\:hms}':fontsize=32:fontcolor=white:box=1:boxcolor=black@0.6:x=24:y=110`;
      }
      return [
        { url: video, options: ['-re', '-f', 'lavfi'] },
        // A 1 kHz beep once a second over a quiet 440 Hz tone: audible A/V sync at a glance.
        { url: 'sine=frequency=440:beep_factor=2:sample_rate=48000', options: ['-re', '-f', 'lavfi'] },
      ];
    }
    case 'file': {
      // Input seeking lands on the keyframe at or before startSec (copy) or decodes from it (x264).
      const seek = source.startSec ? ['-ss', secondsArg(source.startSec)] : [];
      return [{ url: source.path, options: [...seek, '-copyts'] }];
    }
    case 'live':
      return [{ url: source.url, options: liveInputOptions(source.url, source.paced, source.analyzeUs) }];
  }
}

export function buildOutputOptions(source: SourceSpec, codecs: CodecPlan, tuning: OutputTuning): string[] {
  const out: string[] = [];
  // Test pattern: video from input 0, audio from input 1. Otherwise the first of each from input 0;
  // the trailing '?' keeps ffmpeg going when a source has no such stream.
  if (source.kind === 'test') out.push('-map', '0:v:0', '-map', '1:a:0');
  else {
    if (codecs.video !== 'none') out.push('-map', '0:v:0?');
    if (codecs.audio !== 'none') out.push('-map', '0:a:0?');
  }
  if (codecs.video === 'copy') out.push('-c:v', 'copy');
  else if (codecs.video === 'x264') {
    const k = tuning.keyframeIntervalSec;
    out.push(
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-profile:v', 'high', '-crf', '23', '-maxrate', '4M', '-bufsize', '4M',
      // A keyframe every k seconds of stream time whatever the frame rate, and never from scene cuts,
      // so fragments and the GOP cache stay short and predictable.
      '-force_key_frames', `expr:gte(t,n_forced*${k})`, '-sc_threshold', '0',
    );
  }
  if (codecs.audio === 'copy') out.push('-c:a', 'copy');
  // Without the filter, ADTS input makes the muxer fail on its first packet ("Malformed AAC
  // bitstream"); for AAC that is already raw (MP4, MKV) the filter passes packets through.
  else if (codecs.audio === 'copy-aac') out.push('-c:a', 'copy', '-bsf:a', 'aac_adtstoasc');
  else if (codecs.audio === 'aac') out.push('-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000');
  if (source.kind === 'file') {
    // Keep the file's timestamps (-copyts, input side) instead of letting the muxer restart them at
    // 0, so the channel knows exactly which file time each fragment holds; the offset keeps them
    // positive and lets the next loop continue the timeline.
    out.push('-avoid_negative_ts', 'disabled', '-output_ts_offset', secondsArg(source.tsOffsetSec ?? 0));
  }
  out.push(
    '-f', 'mp4',
    // empty_moov: the init segment comes first and alone; default_base_moof: CMAF-style offsets;
    // frag_keyframe + frag_duration: cut at every keyframe and whenever a fragment reaches the target,
    // so every keyframe starts a fragment and no fragment is longer than the target.
    // frag_discont (files only): the first fragment's tfdt is the packet's own decode time, as
    // -copyts and -output_ts_offset make it, instead of the muxer's usual restart at 0.
    // delay_moov (copied AAC): the moov waits for the first packets, whose AAC config it needs;
    // without it the init segment says `mp4a.40` with no object type and browsers refuse it.
    '-movflags', `empty_moov+default_base_moof+frag_keyframe${source.kind === 'file' ? '+frag_discont' : ''}${codecs.audio === 'copy-aac' ? '+delay_moov' : ''}`,
    '-frag_duration', String(Math.round(tuning.fragmentMs * 1000)),
    // prft boxes: the wall clock at which each fragment was written, for end-to-end delay.
    '-write_prft', 'wallclock',
    // Write each packet to the pipe at once instead of filling a 32 KiB buffer first.
    '-flush_packets', '1',
  );
  return out;
}

export function buildFfmpegPlan(source: SourceSpec, codecs: CodecPlan, tuning: OutputTuning): FfmpegPlan {
  return { inputs: buildInputs(source), outputOptions: buildOutputOptions(source, codecs, tuning), output: 'pipe:1' };
}

/** The argv fluent-ffmpeg runs for a plan (ffmpeg's own global flags first), for tests and logs. */
export function planToArgv(plan: FfmpegPlan): string[] {
  const argv = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  for (const input of plan.inputs) argv.push(...input.options, '-i', input.url);
  argv.push(...plan.outputOptions, plan.output);
  return argv;
}
