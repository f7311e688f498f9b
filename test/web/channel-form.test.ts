import { describe, expect, it } from 'vitest';
import { channelRequest, refusalOf } from '../../web/src/pages/channel-form.js';

const fields = { id: 'cam', source: 'udp://@239.0.0.1:1234', transcode: 'auto', keepAlive: false, openControl: false };

describe('channelRequest', () => {
  it.each<[string, Partial<typeof fields>, Record<string, unknown>]>([
    ['the defaults are left to the server', {}, { id: 'cam', source: 'udp://@239.0.0.1:1234' }],
    ['blanks around id and source go', { id: '  cam ', source: ' clip.mp4\t' }, { id: 'cam', source: 'clip.mp4' }],
    ['a transcode policy other than auto', { transcode: 'never' }, { id: 'cam', source: 'udp://@239.0.0.1:1234', transcode: 'never' }],
    ['the two flags', { keepAlive: true, openControl: true }, { id: 'cam', source: 'udp://@239.0.0.1:1234', keepAlive: true, openControl: true }],
  ])('%s', (_name, change, body) => {
    expect(channelRequest({ ...fields, ...change })).toEqual(body);
  });
});

describe('refusalOf', () => {
  it.each<[number, string, { code: string; message: string }]>([
    [400, JSON.stringify({ error: { code: 'SOURCE_SCHEME_FORBIDDEN', message: '"file:" sources are not allowed' } }), { code: 'SOURCE_SCHEME_FORBIDDEN', message: '"file:" sources are not allowed' }],
    [409, JSON.stringify({ error: { code: 'CHANNEL_EXISTS', message: 'a channel "cam" exists already', extra: 1 } }), { code: 'CHANNEL_EXISTS', message: 'a channel "cam" exists already' }],
    [502, '<html>Bad Gateway</html>', { code: 'HTTP_502', message: '<html>Bad Gateway</html>' }],
    [500, '', { code: 'HTTP_500', message: 'the server answered 500' }],
    [400, JSON.stringify({ error: 'nope' }), { code: 'HTTP_400', message: '{"error":"nope"}' }],
  ])('%i %s', (status, text, expected) => {
    expect(refusalOf(status, text)).toEqual(expected);
  });
});
