import { describe, expect, it } from 'vitest';
import { checkChannelRequest, checkSource, SOURCE_MAX_CHARS, type SourceTarget } from '../../../server/channel/source-policy.js';
import { DEFAULTS } from '../../../server/runtime/config.js';

const rules = { allowedSchemes: DEFAULTS.allowedSourceSchemes, mediaDir: '/srv/media' };
const url = (scheme: string): SourceTarget => ({ kind: 'url', scheme });
const file = (...segments: string[]): SourceTarget => ({ kind: 'path', segments });

describe('checkSource', () => {
  it.each<[string, SourceTarget]>([
    ['udp://127.0.0.1:5000', url('udp')],
    ['udp://@239.0.0.1:1234', url('udp')],
    ['rtp://239.0.0.1:5004', url('rtp')],
    ['rtsp://admin:p%40ss@192.0.2.10:554/stream1', url('rtsp')],
    ['RTSPS://cam.example/live', url('rtsps')],
    ['rtmp://live.example/app/key', url('rtmp')],
    ['rtmps://live.example/app', url('rtmps')],
    ['srt://127.0.0.1:9000?mode=caller&passphrase=0123456789', url('srt')],
    ['http://example.com/live.m3u8', url('http')],
    ['https://example.com/a.ts?token=abc', url('https')],
    ['clip.mp4', file('clip.mp4')],
    ['./clip.mp4', file('clip.mp4')],
    ['sub/deep clip.mkv', file('sub', 'deep clip.mkv')],
    ['sub//a.mp4', file('sub', 'a.mp4')],
    ['name%2e%2e.mp4', file('name%2e%2e.mp4')], // a literal name: never decoded
    ['clips/a:b.mp4', file('clips', 'a:b.mp4')], // the ":" is after a "/": not a protocol
    ['/srv/media/clip.mp4', file('clip.mp4')],
    ['/srv/media/sub/clip.mp4', file('sub', 'clip.mp4')],
  ])('accepts %s', (source, target) => {
    expect(checkSource(source, rules)).toEqual({ ok: true, value: target });
  });

  it.each<[string, string, string]>([
    ['file:///etc/passwd', 'SOURCE_SCHEME_FORBIDDEN', 'file'],
    ['file:clip.mp4', 'SOURCE_SCHEME_FORBIDDEN', 'file'],
    ['FILE:/etc/passwd', 'SOURCE_SCHEME_FORBIDDEN', 'file'],
    ['concat:/etc/passwd|/etc/hosts', 'SOURCE_SCHEME_FORBIDDEN', 'concat'],
    ['concatf:/tmp/list', 'SOURCE_SCHEME_FORBIDDEN', 'concatf'],
    ['pipe:0', 'SOURCE_SCHEME_FORBIDDEN', 'pipe'],
    ['fd:3', 'SOURCE_SCHEME_FORBIDDEN', 'fd'],
    ['subfile,,start,0,end,0,,:/etc/shadow', 'SOURCE_SCHEME_FORBIDDEN', 'subfile'],
    ['data:text/plain;base64,AAAA', 'SOURCE_SCHEME_FORBIDDEN', 'data'],
    ['cache:http://example.com/a.ts', 'SOURCE_SCHEME_FORBIDDEN', 'cache'],
    ['crypto:/etc/passwd', 'SOURCE_SCHEME_FORBIDDEN', 'crypto'],
    ['async:file:/etc/passwd', 'SOURCE_SCHEME_FORBIDDEN', 'async'],
    ['lavfi:testsrc', 'SOURCE_SCHEME_FORBIDDEN', 'lavfi'],
    ['unix:///run/docker.sock', 'SOURCE_SCHEME_FORBIDDEN', 'unix'],
    ['tcp://127.0.0.1:22', 'SOURCE_SCHEME_FORBIDDEN', 'tcp'],
    ['ftp://example.com/a.mp4', 'SOURCE_SCHEME_FORBIDDEN', 'ftp'],
    ['hls+http://example.com/a.m3u8', 'SOURCE_SCHEME_FORBIDDEN', 'hls+http'],
    ['clip:1.mp4', 'SOURCE_SCHEME_FORBIDDEN', 'clip'], // ffmpeg would read "clip" as a protocol
    ['udp:127.0.0.1:5000', 'BAD_SOURCE', 'written udp://'],
    ['http:/example.com', 'BAD_SOURCE', 'written http://'],
    ['rtsp://', 'BAD_SOURCE', 'written rtsp://'],
    ['', 'BAD_SOURCE', 'empty'],
    ['x'.repeat(SOURCE_MAX_CHARS + 1), 'BAD_SOURCE', 'longer'],
    ['udp://127.0.0.1:5000\n-i /etc/passwd', 'BAD_SOURCE', 'control'],
    ['clip.mp4\u0000.txt', 'BAD_SOURCE', 'control'],
    [' clip.mp4', 'BAD_SOURCE', 'blanks'],
    ['clip.mp4 ', 'BAD_SOURCE', 'blanks'],
    ['sub\\clip.mp4', 'BAD_SOURCE', 'backslash'],
    ['.env', 'BAD_SOURCE', 'hidden'],
    ['sub/.git/config', 'BAD_SOURCE', 'hidden'],
    ['.', 'BAD_SOURCE', 'no file'],
    ['../secret.mp4', 'SOURCE_OUTSIDE_MEDIA', '..'],
    ['sub/../../etc/passwd', 'SOURCE_OUTSIDE_MEDIA', '..'],
    ['sub/../clip.mp4', 'SOURCE_OUTSIDE_MEDIA', '..'], // even one that would stay inside
    ['/etc/passwd', 'SOURCE_OUTSIDE_MEDIA', 'inside the media folder'],
    ['/srv/media', 'SOURCE_OUTSIDE_MEDIA', 'inside the media folder'],
    ['/srv/media-other/clip.mp4', 'SOURCE_OUTSIDE_MEDIA', 'inside the media folder'],
  ])('refuses %j with %s', (source, code, words) => {
    const r = checkSource(source, rules);
    expect(r).toMatchObject({ ok: false, code });
    if (!r.ok) expect(r.message).toContain(words);
  });

  it('names the scheme in a refusal, never the source (it may carry a password)', () => {
    const r = checkSource('ftp://user:hunter22@example.com/a.mp4', rules);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain('"ftp:"');
      expect(r.message).not.toContain('hunter22');
    }
  });

  it('follows the configured schemes, but never allows what reads local files', () => {
    const narrow = { ...rules, allowedSchemes: ['srt'] };
    expect(checkSource('srt://h:1', narrow).ok).toBe(true);
    expect(checkSource('udp://h:1', narrow)).toMatchObject({ ok: false, code: 'SOURCE_SCHEME_FORBIDDEN' });
    const careless = { ...rules, allowedSchemes: ['file', 'concat', 'https'] };
    expect(checkSource('file:///etc/passwd', careless)).toMatchObject({ ok: false, code: 'SOURCE_SCHEME_FORBIDDEN' });
    expect(checkSource('concat:a|b', careless)).toMatchObject({ ok: false, code: 'SOURCE_SCHEME_FORBIDDEN' });
    expect(checkSource('https://h/a', careless).ok).toBe(true);
  });
});

describe('checkChannelRequest', () => {
  it('fills the defaults and keeps the flags', () => {
    expect(checkChannelRequest({ id: 'cam', source: 'udp://127.0.0.1:5000' }, rules)).toEqual({
      ok: true,
      value: { channel: { id: 'cam', source: 'udp://127.0.0.1:5000', keepAlive: false, openControl: false, transcode: 'auto' }, target: url('udp') },
    });
    expect(checkChannelRequest({ id: 'a.b_c-1', source: 'clip.mp4', keepAlive: true, openControl: true, transcode: 'never' }, rules)).toEqual({
      ok: true,
      value: { channel: { id: 'a.b_c-1', source: 'clip.mp4', keepAlive: true, openControl: true, transcode: 'never' }, target: file('clip.mp4') },
    });
  });

  it.each<[string, unknown, string]>([
    ['an array', [], 'BAD_MESSAGE'],
    ['null', null, 'BAD_MESSAGE'],
    ['a string', 'cam', 'BAD_MESSAGE'],
    ['no id', { source: 'clip.mp4' }, 'BAD_MESSAGE'],
    ['a numeric id', { id: 7, source: 'clip.mp4' }, 'BAD_MESSAGE'],
    ['no source', { id: 'cam' }, 'BAD_MESSAGE'],
    ['a source object', { id: 'cam', source: { url: 'x' } }, 'BAD_MESSAGE'],
    ['an unknown key', { id: 'cam', source: 'clip.mp4', args: ['-f', 'lavfi'] }, 'BAD_MESSAGE'],
    ['keepAlive as text', { id: 'cam', source: 'clip.mp4', keepAlive: 'yes' }, 'BAD_MESSAGE'],
    ['openControl as 1', { id: 'cam', source: 'clip.mp4', openControl: 1 }, 'BAD_MESSAGE'],
    ['transcode "sometimes"', { id: 'cam', source: 'clip.mp4', transcode: 'sometimes' }, 'BAD_MESSAGE'],
    ['transcode null', { id: 'cam', source: 'clip.mp4', transcode: null }, 'BAD_MESSAGE'],
    ['an empty id', { id: '', source: 'clip.mp4' }, 'BAD_CHANNEL_ID'],
    ['an id with a slash', { id: 'a/b', source: 'clip.mp4' }, 'BAD_CHANNEL_ID'],
    ['an id with a space', { id: 'my cam', source: 'clip.mp4' }, 'BAD_CHANNEL_ID'],
    ['an id starting with a dot', { id: '.hidden', source: 'clip.mp4' }, 'BAD_CHANNEL_ID'],
    ['an id of "<script>"', { id: '<script>', source: 'clip.mp4' }, 'BAD_CHANNEL_ID'],
    ['an id of 129 characters', { id: 'a'.repeat(129), source: 'clip.mp4' }, 'BAD_CHANNEL_ID'],
    ['a forbidden scheme', { id: 'cam', source: 'pipe:0' }, 'SOURCE_SCHEME_FORBIDDEN'],
    ['an escaping path', { id: 'cam', source: '../x.mp4' }, 'SOURCE_OUTSIDE_MEDIA'],
  ])('refuses %s', (_name, body, code) => {
    expect(checkChannelRequest(body, rules)).toMatchObject({ ok: false, code });
  });

  it('checks the id before the source', () => {
    expect(checkChannelRequest({ id: 'bad id', source: 'pipe:0' }, rules)).toMatchObject({ code: 'BAD_CHANNEL_ID' });
  });
});
