import { afterEach, describe, expect, it } from 'vitest';
import { addSecret, addSecretsFromUrl, clearSecrets, maskSecrets } from '../../../server/runtime/redact.js';

afterEach(() => clearSecrets());

describe('maskSecrets', () => {
  it.each([
    // userinfo in URLs, anywhere in the text
    ['http://admin:S3cretPW@127.0.0.1:9/x: Connection refused', 'http://***@127.0.0.1:9/x: Connection refused'],
    ['Connection to tcp://admin:S3cretPW@host:80 failed', 'Connection to tcp://***@host:80 failed'],
    ['rtsp://user:p@ss@cam.local/stream1 failed', 'rtsp://***@cam.local/stream1 failed'],
    ['"source":"rtsp://u:pw@h/s"', '"source":"rtsp://***@h/s"'],
    ['ffmpeg -i http://a:b@h/x -f mp4 pipe:1', 'ffmpeg -i http://***@h/x -f mp4 pipe:1'],
    // userinfo without a scheme, as tools print it
    ['admin:S3cretPW@host: Connection refused', '***@host: Connection refused'],
    // secret-looking parameters
    ['rtmp://host/live?key=abcdef123&x=1', 'rtmp://host/live?key=***&x=1'],
    ['srt://1.2.3.4:9000?mode=caller&passphrase=verysecret', 'srt://1.2.3.4:9000?mode=caller&passphrase=***'],
    ['http://h/x?access_token=xyz&sig=zzz', 'http://h/x?access_token=***&sig=***'],
    ['http://h/x?Password=xyz', 'http://h/x?Password=***'],
    ['stream_key=live_1234', 'stream_key=***'],
    ['Authorization: Bearer abcdefghijkl', 'Authorization: Bearer ***'],
    // signed URLs and stream ids (found by the outside attack on issue 11)
    ['https://b.s3.amazonaws.com/v.ts?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc123&X-Amz-Security-Token=tok',
      'https://b.s3.amazonaws.com/v.ts?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***'],
    ['https://s.example/x.m3u8?X-Goog-Signature=f00', 'https://s.example/x.m3u8?X-Goog-Signature=***'],
    ['http://cdn/live.m3u8?auth_key=1700000000-0-0-abc', 'http://cdn/live.m3u8?auth_key=***'],
    ['https://a.akamaihd.net/m.m3u8?hdnts=exp=1~acl=/*~hmac=abcdef', 'https://a.akamaihd.net/m.m3u8?hdnts=***'],
    ['srt://relay:9000?streamid=#!::r=live,s=SeCrEt', 'srt://relay:9000?streamid=***'],
    ['http://h/x#token=abc', 'http://h/x#token=***'],
    // nothing secret: unchanged
    ['udp://@239.0.0.1:1234', 'udp://@239.0.0.1:1234'],
    ['time 12:30:00 at 10:20', 'time 12:30:00 at 10:20'],
    ['http://example.com/a?b=c&monkey=1', 'http://example.com/a?b=c&monkey=1'],
    ['', ''],
  ])('%s', (input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it('masks registered literals in any shape, also percent-decoded', () => {
    addSecretsFromUrl('http://admin:S3cret%40PW@10.0.0.1/x?token=tok-123456');
    expect(maskSecrets('auth failed for S3cret@PW')).toBe('auth failed for ***');
    expect(maskSecrets('bad S3cret%40PW')).toBe('bad ***');
    expect(maskSecrets('tok-123456 was refused')).toBe('*** was refused');
  });

  it('ignores literals too short to mask safely', () => {
    addSecret('ab');
    expect(maskSecrets('abcabc')).toBe('abcabc');
  });
});
