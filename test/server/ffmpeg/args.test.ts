import { describe, expect, it } from 'vitest';
import type { TranscodePolicy } from '../../../server/runtime/config.js';
import {
  protocolWhitelist,
  buildFfmpegPlan, planCodecs, planToArgv,
  type CodecPlan, type OutputTuning, type ProbeResult, type SourceSpec,
} from '../../../server/ffmpeg/args.js';

// ---- planCodecs ------------------------------------------------------------------------------

const h264 = (profile: string | null, pixFmt: string | null = 'yuv420p'): ProbeResult['video'] => ({ codec: 'h264', profile, pixFmt });
const probe = (video: ProbeResult['video'], audio: string | null, duration: number | null = null): ProbeResult =>
  ({ video, audio: audio === null ? null : { codec: audio }, duration });

describe('planCodecs', () => {
  it.each<[string, ProbeResult | null, TranscodePolicy, CodecPlan]>([
    // No probe: transcode whatever the policy says, since we cannot know what is there.
    ['no probe, auto', null, 'auto', { video: 'x264', audio: 'aac' }],
    ['no probe, never', null, 'never', { video: 'x264', audio: 'aac' }],
    ['no probe, always', null, 'always', { video: 'x264', audio: 'aac' }],
    // auto: copy what MSE plays (8-bit 4:2:0 H.264 in the common profiles; AAC, MP3, Opus).
    ['H.264 High + AAC', probe(h264('High'), 'aac'), 'auto', { video: 'copy', audio: 'copy-aac' }],
    ['H.264 Main + MP3', probe(h264('Main'), 'mp3'), 'auto', { video: 'copy', audio: 'copy' }],
    ['H.264 Constrained Baseline + Opus', probe(h264('Constrained Baseline'), 'opus'), 'auto', { video: 'copy', audio: 'copy' }],
    ['H.264 Baseline, full-range yuvj420p', probe(h264('Baseline', 'yuvj420p'), 'aac'), 'auto', { video: 'copy', audio: 'copy-aac' }],
    ['H.264 with unknown profile and pixel format', probe(h264(null, null), 'aac'), 'auto', { video: 'copy', audio: 'copy-aac' }],
    ['H.264 High 10 (10-bit)', probe(h264('High 10', 'yuv420p10le'), 'aac'), 'auto', { video: 'x264', audio: 'copy-aac' }],
    ['H.264 High 4:2:2', probe(h264('High 4:2:2', 'yuv422p'), 'aac'), 'auto', { video: 'x264', audio: 'copy-aac' }],
    ['H.264 High but 4:4:4 pixels', probe(h264('High', 'yuv444p'), 'aac'), 'auto', { video: 'x264', audio: 'copy-aac' }],
    ['HEVC + AC-3', probe({ codec: 'hevc', profile: 'Main', pixFmt: 'yuv420p' }, 'ac3'), 'auto', { video: 'x264', audio: 'aac' }],
    ['MPEG-2 + MP2', probe({ codec: 'mpeg2video', profile: 'Main', pixFmt: 'yuv420p' }, 'mp2'), 'auto', { video: 'x264', audio: 'aac' }],
    ['H.264 + PCM', probe(h264('High'), 'pcm_s16le'), 'auto', { video: 'copy', audio: 'aac' }],
    ['audio only (AAC)', probe(null, 'aac'), 'auto', { video: 'none', audio: 'copy-aac' }],
    ['audio only (FLAC)', probe(null, 'flac'), 'auto', { video: 'none', audio: 'aac' }],
    ['video only (H.264)', probe(h264('Main'), null), 'auto', { video: 'copy', audio: 'none' }],
    ['video only (VP9)', probe({ codec: 'vp9', profile: null, pixFmt: 'yuv420p' }, null), 'auto', { video: 'x264', audio: 'none' }],
    ['nothing at all', probe(null, null), 'auto', { video: 'none', audio: 'none' }],
    // always: transcode every stream that exists.
    ['always, playable H.264 + AAC', probe(h264('High'), 'aac'), 'always', { video: 'x264', audio: 'aac' }],
    ['always, audio only', probe(null, 'aac'), 'always', { video: 'none', audio: 'aac' }],
    // never: copy every stream that exists, even one MSE cannot play (the operator's call).
    ['never, HEVC + AC-3', probe({ codec: 'hevc', profile: 'Main', pixFmt: 'yuv420p' }, 'ac3'), 'never', { video: 'copy', audio: 'copy' }],
    ['never, video only', probe(h264('High'), null), 'never', { video: 'copy', audio: 'none' }],
  ])('%s (%s)', (_name, result, policy, expected) => {
    expect(planCodecs(result, policy)).toEqual(expected);
  });

  it('defaults to the auto policy', () => {
    expect(planCodecs(probe({ codec: 'hevc', profile: null, pixFmt: null }, 'aac'))).toEqual({ video: 'x264', audio: 'copy-aac' });
  });
});

// ---- full command lines ------------------------------------------------------------------------

const TUNING: OutputTuning = { fragmentMs: 200, keyframeIntervalSec: 1 };
const GLOBAL = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
const X264 = [
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-profile:v', 'high',
  '-crf', '23', '-maxrate', '4M', '-bufsize', '4M', '-force_key_frames', 'expr:gte(t,n_forced*1)', '-sc_threshold', '0',
];
const AAC = ['-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000'];
/** Fragmented MP4 to stdout, 200 ms fragments (200 000 µs); files add frag_discont to keep their own times. */
const fmp4 = (movflags: string): string[] => [
  '-f', 'mp4', '-movflags', movflags, '-frag_duration', '200000',
  '-write_prft', 'wallclock', '-flush_packets', '1', 'pipe:1',
];
const FMP4 = fmp4('empty_moov+default_base_moof+frag_keyframe');
const FILE_FMP4 = fmp4('empty_moov+default_base_moof+frag_keyframe+frag_discont');
/** The low-delay input options of a live source whose scheme allows the protocols `wl` (protocolWhitelist). */
const lowDelay = (wl: string): string[] => ['-flags', 'low_delay', '-protocol_whitelist', wl, '-analyzeduration', '2500000'];
/** File sources keep their own timestamps (-copyts on the input) shifted by an offset in seconds. */
const KEEP_TS = (offsetSec: string): string[] => ['-avoid_negative_ts', 'disabled', '-output_ts_offset', offsetSec];
const TEST_VIDEO = 'testsrc2=size=960x540:rate=30';
const TEST_AUDIO = ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=2:sample_rate=48000'];
const COPY: CodecPlan = { video: 'copy', audio: 'copy' };
/** H.264 + AAC passed through: ADTS repacked, moov delayed until the AAC config is known. */
const COPY_AAC: CodecPlan = { video: 'copy', audio: 'copy-aac' };
const COPY_AAC_ARGS = ['-c:v', 'copy', '-c:a', 'copy', '-bsf:a', 'aac_adtstoasc'];
const TRANSCODE: CodecPlan = { video: 'x264', audio: 'aac' };

/** The two drawtext overlays (wall clock, then stream time) for an already-escaped font path. */
const clock = (font: string): string =>
  `,drawtext=fontfile=${font}:text='%{localtime\\:%X}':fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:x=24:y=24`
  + `,drawtext=fontfile=${font}:text='%{pts\\:hms}':fontsize=32:fontcolor=white:box=1:boxcolor=black@0.6:x=24:y=110`;

describe('planToArgv(buildFfmpegPlan(...))', () => {
  it.each<[string, SourceSpec, CodecPlan, string[]]>([
    [
      'test pattern without a font',
      { kind: 'test', fontFile: null }, TRANSCODE,
      [...GLOBAL, '-re', '-f', 'lavfi', '-i', TEST_VIDEO, ...TEST_AUDIO, '-map', '0:v:0', '-map', '1:a:0', ...X264, ...AAC, ...FMP4],
    ],
    [
      'test pattern with a font',
      { kind: 'test', fontFile: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf' }, TRANSCODE,
      [...GLOBAL, '-re', '-f', 'lavfi', '-i', TEST_VIDEO + clock('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf'), ...TEST_AUDIO,
        '-map', '0:v:0', '-map', '1:a:0', ...X264, ...AAC, ...FMP4],
    ],
    [
      // Two levels of filtergraph escaping: C:/… → option value C\:/… → graph C\\:/…
      'test pattern with a Windows font path',
      { kind: 'test', fontFile: 'C:\\Windows\\Fonts\\consola.ttf' }, TRANSCODE,
      [...GLOBAL, '-re', '-f', 'lavfi', '-i', TEST_VIDEO + clock('C\\\\:/Windows/Fonts/consola.ttf'), ...TEST_AUDIO,
        '-map', '0:v:0', '-map', '1:a:0', ...X264, ...AAC, ...FMP4],
    ],
    [
      // ' → \' (option value) → \\\' (graph); , [ ] ; are graph separators → \, \[ \] \;
      'test pattern with quote, comma and brackets in the font path',
      { kind: 'test', fontFile: "/f/it's,[x];y.ttf" }, TRANSCODE,
      [...GLOBAL, '-re', '-f', 'lavfi', '-i', TEST_VIDEO + clock("/f/it\\\\\\'s\\,\\[x\\]\\;y.ttf"), ...TEST_AUDIO,
        '-map', '0:v:0', '-map', '1:a:0', ...X264, ...AAC, ...FMP4],
    ],
    [
      // Read as fast as the channel pulls (it paces), timestamps kept and shifted by tsOffsetSec (0 when absent).
      'file, remuxed',
      { kind: 'file', path: '/media/movie.mp4' }, COPY,
      [...GLOBAL, '-copyts', '-i', '/media/movie.mp4', '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...KEEP_TS('0.000'), ...FILE_FMP4],
    ],
    [
      'file, transcoded',
      { kind: 'file', path: 'media/old clip.avi' }, TRANSCODE,
      [...GLOBAL, '-copyts', '-i', 'media/old clip.avi', '-map', '0:v:0?', '-map', '0:a:0?', ...X264, ...AAC, ...KEEP_TS('0.000'), ...FILE_FMP4],
    ],
    [
      'file from 12.3456 s (input seek, ms precision), media time shifted by 100 s',
      { kind: 'file', path: 'a.mp4', startSec: 12.3456, tsOffsetSec: 100 }, COPY,
      [...GLOBAL, '-ss', '12.346', '-copyts', '-i', 'a.mp4', '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...KEEP_TS('100.000'), ...FILE_FMP4],
    ],
    [
      'file from 0 s: no -ss at all',
      { kind: 'file', path: 'a.mp4', startSec: 0, tsOffsetSec: 0.5 }, COPY,
      [...GLOBAL, '-copyts', '-i', 'a.mp4', '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...KEEP_TS('0.500'), ...FILE_FMP4],
    ],
    [
      'file with audio only',
      { kind: 'file', path: 'song.m4a' }, { video: 'none', audio: 'copy' },
      [...GLOBAL, '-copyts', '-i', 'song.m4a', '-map', '0:a:0?', '-c:a', 'copy', ...KEEP_TS('0.000'), ...FILE_FMP4],
    ],
    [
      'file with video only, transcoded',
      { kind: 'file', path: 'clip.webm' }, { video: 'x264', audio: 'none' },
      [...GLOBAL, '-copyts', '-i', 'clip.webm', '-map', '0:v:0?', ...X264, ...KEEP_TS('0.000'), ...FILE_FMP4],
    ],
    [
      'live rtsp: TCP transport and a 10 s socket timeout',
      { kind: 'live', url: 'rtsp://user:pw@cam.local:554/stream1', paced: false }, COPY,
      [...GLOBAL, ...lowDelay('rtsp,rtp,udp,tcp'), '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', 'rtsp://user:pw@cam.local:554/stream1',
        '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...FMP4],
    ],
    [
      'live RTSPS (scheme is case-insensitive)',
      { kind: 'live', url: 'RTSPS://cam/s', paced: false }, COPY,
      [...GLOBAL, ...lowDelay('rtsps,rtsp,rtp,udp,tcp,tls'), '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', 'RTSPS://cam/s',
        '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...FMP4],
    ],
    [
      'live udp: a 10 s read timeout (a silent publisher fails and is retried)',
      { kind: 'live', url: 'udp://@239.0.0.1:1234', paced: false }, TRANSCODE,
      [...GLOBAL, ...lowDelay('udp'), '-timeout', '10000000', '-i', 'udp://@239.0.0.1:1234', '-map', '0:v:0?', '-map', '0:a:0?', ...X264, ...AAC, ...FMP4],
    ],
    [
      'live rtp: a 10 s read timeout',
      { kind: 'live', url: 'rtp://0.0.0.0:5004', paced: false }, COPY,
      [...GLOBAL, ...lowDelay('rtp,udp'), '-timeout', '10000000', '-i', 'rtp://0.0.0.0:5004', '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...FMP4],
    ],
    [
      'live srt: 10 s read/write timeout',
      { kind: 'live', url: 'srt://relay:9000?mode=caller', paced: false }, COPY,
      [...GLOBAL, ...lowDelay('srt,udp'), '-rw_timeout', '10000000', '-i', 'srt://relay:9000?mode=caller',
        '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...FMP4],
    ],
    [
      'live http (unpaced, e.g. an endless MPEG-TS over HTTP)',
      { kind: 'live', url: 'http://tv.local/live.ts', paced: false }, COPY,
      [...GLOBAL, ...lowDelay('http,https,tcp,tls,crypto'), '-rw_timeout', '10000000', '-i', 'http://tv.local/live.ts',
        '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...FMP4],
    ],
    [
      'paced URL (a finite file behind https): -re first',
      { kind: 'live', url: 'https://cdn.example/clip.mp4', paced: true }, COPY,
      [...GLOBAL, '-re', ...lowDelay('http,https,tcp,tls,crypto'), '-rw_timeout', '10000000', '-i', 'https://cdn.example/clip.mp4',
        '-map', '0:v:0?', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'copy', ...FMP4],
    ],
    [
      'live MPEG-TS over UDP with H.264 + AAC: remuxed, ADTS repacked, moov after the first packets',
      { kind: 'live', url: 'udp://127.0.0.1:5000', paced: false }, COPY_AAC,
      [...GLOBAL, ...lowDelay('udp'), '-timeout', '10000000', '-i', 'udp://127.0.0.1:5000',
        '-map', '0:v:0?', '-map', '0:a:0?', ...COPY_AAC_ARGS, ...fmp4('empty_moov+default_base_moof+frag_keyframe+delay_moov')],
    ],
    [
      'file with H.264 + AAC: the same repack (a no-op for MP4 AAC), after frag_discont',
      { kind: 'file', path: '/media/movie.mp4' }, COPY_AAC,
      [...GLOBAL, '-copyts', '-i', '/media/movie.mp4', '-map', '0:v:0?', '-map', '0:a:0?', ...COPY_AAC_ARGS, ...KEEP_TS('0.000'),
        ...fmp4('empty_moov+default_base_moof+frag_keyframe+frag_discont+delay_moov')],
    ],
    [
      'paced rtsp',
      { kind: 'live', url: 'rtsp://vod/clip', paced: true }, TRANSCODE,
      [...GLOBAL, '-re', ...lowDelay('rtsp,rtp,udp,tcp'), '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', 'rtsp://vod/clip',
        '-map', '0:v:0?', '-map', '0:a:0?', ...X264, ...AAC, ...FMP4],
    ],
  ])('%s', (_name, source, codecs, argv) => {
    expect(planToArgv(buildFfmpegPlan(source, codecs, TUNING))).toEqual(argv);
  });

  it.each<[string, OutputTuning, string, string]>([
    ['50 ms fragments, keyframes every 2 s', { fragmentMs: 50, keyframeIntervalSec: 2 }, '50000', 'expr:gte(t,n_forced*2)'],
    ['1.5 s fragments, keyframes every 0.5 s', { fragmentMs: 1500, keyframeIntervalSec: 0.5 }, '1500000', 'expr:gte(t,n_forced*0.5)'],
    ['fractional ms round to whole µs', { fragmentMs: 33.3333333, keyframeIntervalSec: 1 }, '33333', 'expr:gte(t,n_forced*1)'],
  ])('tuning: %s', (_name, tuning, fragUs, forceKey) => {
    const argv = planToArgv(buildFfmpegPlan({ kind: 'file', path: 'a.mkv' }, TRANSCODE, tuning));
    expect(argv[argv.indexOf('-frag_duration') + 1]).toBe(fragUs);
    expect(argv[argv.indexOf('-force_key_frames') + 1]).toBe(forceKey);
  });

  it('the plan writes to stdout and keeps inputs as separate argv entries', () => {
    const plan = buildFfmpegPlan({ kind: 'live', url: 'rtsp://a b/c', paced: false }, COPY, TUNING);
    expect(plan.output).toBe('pipe:1');
    expect(plan.inputs).toEqual([{ url: 'rtsp://a b/c', options: [...lowDelay('rtsp,rtp,udp,tcp'), '-rtsp_transport', 'tcp', '-timeout', '10000000'] }]);
  });
});

describe('protocolWhitelist', () => {
  it.each([
    ['udp', 'udp'],
    ['rtsp', 'rtsp,rtp,udp,tcp'],
    ['rtmps', 'rtmps,rtmp,tcp,tls'],
    ['srt', 'srt,udp'],
    ['http', 'http,https,tcp,tls,crypto'],
    ['tcp', 'tcp,udp,tls'],
    ['rist', 'rist,tcp,udp,tls'],
  ])('%s → %s (never file, pipe, concat, subfile, data …)', (scheme, list) => {
    expect(protocolWhitelist(scheme)).toBe(list);
    expect(list.split(',')).not.toEqual(expect.arrayContaining(['file']));
  });
});
