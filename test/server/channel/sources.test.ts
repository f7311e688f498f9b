import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../server/ffmpeg/args.js';
import { fileSource, isUrl, liveSource, redactUrl } from '../../../server/channel/sources.js';

describe('redactUrl', () => {
  it.each<[string, string]>([
    ['rtsp://admin:secret@10.0.0.5:554/stream1', 'rtsp://***@10.0.0.5:554/stream1'],
    ['rtsp://admin@cam/live', 'rtsp://***@cam/live'],
    ['RTMP://u:p@host/app/key', 'RTMP://***@host/app/key'],
    ['srt://user:pw@relay:9000?mode=caller', 'srt://***@relay:9000?mode=caller'],
    ['http://u:p@host', 'http://***@host'],
    // An unescaped '@' in the password: the whole userinfo goes, up to the last '@' of the authority.
    ['rtsp://admin:p@ss@cam.local/live', 'rtsp://***@cam.local/live'],
    ['rtsp://a:b@c@d@host:554', 'rtsp://***@host:554'],
    // An '@' after the authority is not userinfo.
    ['http://host/path@v2', 'http://host/path@v2'],
    ['http://host?email=a@b.c', 'http://host?email=a@b.c'],
    ['http://host#a@b', 'http://host#a@b'],
    ['http://u:p@host/x@y', 'http://***@host/x@y'],
    // Nothing to hide.
    ['rtsp://cam.local:554/live', 'rtsp://cam.local:554/live'],
    ['udp://@239.0.0.1:1234', 'udp://@239.0.0.1:1234'],
    ['udp://239.0.0.1:1234?pkt_size=1316', 'udp://239.0.0.1:1234?pkt_size=1316'],
    ['/media/me@home.mp4', '/media/me@home.mp4'],
    ['user:pw@host', 'user:pw@host'],
    ['', ''],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('isUrl', () => {
  it.each<[string, boolean]>([
    ['rtsp://cam/live', true],
    ['rtsps://cam/live', true],
    ['udp://@:1234', true],
    ['srt://relay:9000', true],
    ['rtmp://host/app', true],
    ['http://host/a.ts', true],
    ['HTTPS://HOST/A.MP4', true],
    ['git+ssh://x', true],
    ['file:///media/a.mp4', false],
    ['FILE:///media/a.mp4', false],
    ['/media/a.mp4', false],
    ['media/a.mp4', false],
    ['./rtsp://x', false],
    ['C:\\videos\\a.mp4', false],
    ['C:/videos/a.mp4', false],
    ['pipe:0', false],
    ['1http://x', false],
    ['', false],
  ])('%s → %s', (source, expected) => {
    expect(isUrl(source)).toBe(expected);
  });
});

describe('ChannelSource', () => {
  const h264aac: ProbeResult = { video: { codec: 'h264', profile: 'High', pixFmt: 'yuv420p' }, audio: { codec: 'aac' }, duration: null };

  it.each<[string, number | null, boolean]>([
    ['a live stream (no duration) is not paced', null, false],
    ['a finite file behind a URL is paced', 12.5, true],
  ])('http is probed every start: %s', async (_name, duration, paced) => {
    let probes = 0;
    const source = liveSource('http://u:p@cam/live', async () => { probes++; return { ...h264aac, duration }; });
    expect(source.display).toBe('http://***@cam/live');
    await source.prepare();
    source.report?.({ type: 'media' });
    const prepared = await source.prepare();
    expect(probes).toBe(2);
    expect(prepared.spec).toEqual({ kind: 'live', url: 'http://u:p@cam/live', paced, analyzeUs: 1_250_000 });
    expect(prepared.codecs).toEqual({ video: 'copy', audio: 'copy-aac' });
    expect(prepared.duration).toBeNull();
  });

  it('a live source without a prober transcodes and is not paced', async () => {
    const prepared = await liveSource('udp://@:1234', null).prepare();
    expect(prepared).toEqual({ spec: { kind: 'live', url: 'udp://@:1234', paced: false, analyzeUs: 1_250_000 }, codecs: { video: 'x264', audio: 'aac' }, duration: null });
  });

  it('rtsp starts direct (no probe, copy, 1.25 s window); an init the browser cannot play makes the next start probe', async () => {
    let probes = 0;
    const source = liveSource('rtsp://cam/live', async () => { probes++; return { video: { codec: 'hevc', profile: 'Main', pixFmt: 'yuv420p' }, audio: { codec: 'aac' }, duration: null }; });
    const first = await source.prepare();
    expect(probes).toBe(0);
    expect(first).toEqual({ spec: { kind: 'live', url: 'rtsp://cam/live', paced: false, analyzeUs: 1_250_000 }, codecs: { video: 'copy', audio: 'copy-aac' }, duration: null });
    expect(source.report?.({ type: 'init', codecs: ['hvc1.1.6.L93.B0', 'mp4a.40.2'] })).toBe(true);
    const second = await source.prepare();
    expect(probes).toBe(1);
    expect(second.codecs).toEqual({ video: 'x264', audio: 'copy-aac' });
    // It worked, but the probe planned a transcode: it stays probed.
    source.report?.({ type: 'media' });
    await source.prepare();
    expect(probes).toBe(2);
  });

  it('a direct start that ends without media probes next, with a longer window, and goes direct again once that works', async () => {
    let probes = 0;
    const source = liveSource('srt://127.0.0.1:9000?mode=caller', async () => { probes++; return { ...h264aac }; });
    await source.prepare();
    expect(source.report?.({ type: 'failed' })).toBe(false);
    const probed = await source.prepare();
    expect(probes).toBe(1);
    expect(probed.spec).toMatchObject({ analyzeUs: 2_500_000 });
    source.report?.({ type: 'media' });
    const direct = await source.prepare();
    expect(probes).toBe(1);
    expect(direct.spec).toMatchObject({ analyzeUs: 2_500_000 });
  });

  it('a file is probed once across restarts and shown by its name', async () => {
    let probes = 0;
    const source = fileSource('/media/clip.mp4', async () => { probes++; return { ...h264aac, duration: 30 }; }, 'always');
    expect(source.display).toBe('clip.mp4');
    await source.prepare();
    const prepared = await source.prepare();
    expect(probes).toBe(1);
    expect(prepared).toEqual({ spec: { kind: 'file', path: '/media/clip.mp4' }, codecs: { video: 'x264', audio: 'aac' }, duration: 30 });
  });

  it.each(['hls', 'concat', 'sdp'])('a media file that is really a %s list is refused with BAD_SOURCE, never played', async (container) => {
    const source = fileSource('/media/evil.mp4', async () => ({ ...h264aac, duration: 10, container }));
    await expect(source.prepare()).rejects.toMatchObject({ code: 'BAD_SOURCE' });
  });
});
