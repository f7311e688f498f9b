/** The pure half of the probe: its argv and the parsing of ffprobe's JSON (no ffprobe spawned). */
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../server/ffmpeg/args.js';
import { parseProbeJson, probeArgs } from '../../../server/ffmpeg/probe.js';

describe('probeArgs', () => {
  it.each<[string, string[]]>([
    ['/media/a.mp4', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-i', '/media/a.mp4']],
    // A path that looks like an option is still the input.
    ['-x.mp4', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-i', '-x.mp4']],
    ['tcp://127.0.0.1:9', ['-v', 'error', '-protocol_whitelist', 'tcp,udp,tls', '-analyzeduration', '2500000', '-rw_timeout', '10000000', '-print_format', 'json', '-show_streams', '-show_format', '-i', 'tcp://127.0.0.1:9']],
    ['udp://@:1234', ['-v', 'error', '-protocol_whitelist', 'udp', '-analyzeduration', '2500000', '-timeout', '10000000', '-print_format', 'json', '-show_streams', '-show_format', '-i', 'udp://@:1234']],
  ])('%s', (url, argv) => {
    expect(probeArgs(url)).toEqual(argv);
  });
});

describe('parseProbeJson', () => {
  const h264 = { codec_type: 'video', codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', disposition: { attached_pic: 0 } };
  const aac = { codec_type: 'audio', codec_name: 'aac', profile: 'LC' };
  it.each<[string, unknown, ProbeResult]>([
    ['the container ffprobe named', { streams: [h264], format: { duration: '2', format_name: 'mov,mp4,m4a,3gp,3g2,mj2' } },
      { video: { codec: 'h264', profile: 'High', pixFmt: 'yuv420p' }, audio: null, duration: 2, container: 'mov,mp4,m4a,3gp,3g2,mj2' }],
    ['video + audio + duration', { streams: [h264, aac], format: { duration: '60.021000' } },
      { video: { codec: 'h264', profile: 'High', pixFmt: 'yuv420p' }, audio: { codec: 'aac' }, duration: 60.021 }],
    ['a cover picture is not the video', { streams: [{ codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } }, aac], format: { duration: '3' } },
      { video: null, audio: { codec: 'aac' }, duration: 3 }],
    ['live: no duration', { streams: [h264], format: {} },
      { video: { codec: 'h264', profile: 'High', pixFmt: 'yuv420p' }, audio: null, duration: null }],
    ['"N/A" and 0 durations are unknown', { streams: [], format: { duration: 'N/A' } }, { video: null, audio: null, duration: null }],
    ['zero duration', { streams: [], format: { duration: '0.000000' } }, { video: null, audio: null, duration: null }],
    ['numeric profile (some codecs)', { streams: [{ codec_type: 'video', codec_name: 'hevc', profile: 1, pix_fmt: 'yuv420p10le' }] },
      { video: { codec: 'hevc', profile: '1', pixFmt: 'yuv420p10le' }, audio: null, duration: null }],
    // A truncated file: the index names H.264, but no frame was decoded: profile and pixel format
    // are left out of the JSON. 'unknown' (not null) makes planCodecs transcode it, as before.
    ['undetermined profile and pixel format', { streams: [{ codec_type: 'video', codec_name: 'h264' }], format: { duration: '4.0' } },
      { video: { codec: 'h264', profile: 'unknown', pixFmt: 'unknown' }, audio: null, duration: 4 }],
    ['missing codec name, junk entries', { streams: [null, 3, { codec_type: 'audio' }], format: null },
      { video: null, audio: { codec: 'unknown' }, duration: null }],
    ['no streams key', {}, { video: null, audio: null, duration: null }],
  ])('%s', (_name, json, expected) => {
    expect(parseProbeJson(JSON.stringify(json))).toEqual(expected);
  });

  it('throws on output that is not JSON', () => {
    expect(() => parseProbeJson('moov atom not found')).toThrow();
  });
});
