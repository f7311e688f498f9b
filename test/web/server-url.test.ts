/**
 * The player's `server` base (web/src/player/server-url.ts): the embedded player talks to another
 * origin, the pages to their own. Checked down to the URLs the fallback actually fetches.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../server/core/protocol.js';
import { resolvePlayerConfig } from '../../web/src/player/config.js';
import { ProgressivePlayback } from '../../web/src/player/progressive.js';
import { DEFAULT_PROGRESSIVE_OPTIONS, probeChannel } from '../../web/src/player/progressive-rules.js';
import { normalizeServerBase, serverHttpUrl, serverSocketUrl } from '../../web/src/player/server-url.js';

describe('normalizeServerBase', () => {
  it.each([
    ['https://host:8080', 'https://host:8080'],
    ['https://host:8080/', 'https://host:8080'],
    ['  http://127.0.0.1:9000 ', 'http://127.0.0.1:9000'],
    ['HTTP://Example.COM:80', 'http://example.com'],
    ['https://[::1]:8443', 'https://[::1]:8443'],
  ])('%j → %s', (input, origin) => {
    expect(normalizeServerBase(input)).toBe(origin);
  });

  it.each([
    ['host:8080'], // no scheme: parses as scheme "host:"
    ['ws://host:8080'],
    ['ftp://host'],
    ['https://host/pushcast'],
    ['https://host/?x=1'],
    ['https://host/#top'],
    ['https://user:pass@host'],
    ['not a url'],
    [''],
  ])('refuses %j', (input) => {
    expect(() => normalizeServerBase(input)).toThrow(TypeError);
  });
});

describe('serverHttpUrl / serverSocketUrl', () => {
  it.each([
    [null, '/api/media', '/api/media'],
    [null, '/vod/a%20b.mp4', '/vod/a%20b.mp4'],
    ['https://host:8080', '/api/channels/lobby', 'https://host:8080/api/channels/lobby'],
    ['http://127.0.0.1:9000', '/vod/dir/clip.mp4?format=mp4', 'http://127.0.0.1:9000/vod/dir/clip.mp4?format=mp4'],
  ])('http: %s + %s → %s', (server, path, url) => {
    expect(serverHttpUrl(server, path)).toBe(url);
  });

  it.each([
    [null, { protocol: 'http:', host: 'page.test:3000' }, 'ws://page.test:3000/ws'],
    [null, { protocol: 'https:', host: 'page.test' }, 'wss://page.test/ws'],
    // The server's scheme decides, not the page's: an http page may embed a TLS server.
    ['https://host:8080', { protocol: 'http:', host: 'page.test' }, 'wss://host:8080/ws'],
    ['http://127.0.0.1:9000', { protocol: 'https:', host: 'page.test' }, 'ws://127.0.0.1:9000/ws'],
  ])('socket: %s on %j → %s', (server, page, url) => {
    expect(serverSocketUrl(server, page)).toBe(url);
  });
});

describe('PlayerConfig.server', () => {
  it('defaults to null (the page origin) and is normalized to an origin', () => {
    expect(resolvePlayerConfig().server).toBeNull();
    expect(resolvePlayerConfig({ server: 'https://host:8080/' }).server).toBe('https://host:8080');
  });
  it('throws a TypeError for a server that is not an origin', () => {
    expect(() => resolvePlayerConfig({ server: 'https://host:8080/watch/lobby' })).toThrow(/origin/);
  });
});

// ---- the fallback's requests go to the server, not to the page ---------------------------------

const INFO: ChannelInfo = {
  id: 'clip', kind: 'file', source: 'clip.mp4', status: 'running', viewers: 0, mime: null, codecs: [], duration: null,
  epoch: 0, version: 0, playing: true, seekable: false, mediaTime: 4, position: 3, positionAt: 1_000_000, serverTime: 1_002_000,
  vod: '/vod/clip.mp4', control: 'token', bitrate: null, error: null, attempt: 0, nextRetryAt: null, drops: 0,
};

function recordingFetch(answer: (url: string) => Response): { fn: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fn = (async (input: RequestInfo | URL) => {
    const url = String(input);
    urls.push(url);
    return answer(url);
  }) as typeof fetch;
  return { fn, urls };
}

describe('requests with a server base', () => {
  it('probeChannel asks the server', async () => {
    const { fn, urls } = recordingFetch(() => Response.json(INFO));
    const probe = await probeChannel('clip', new AbortController().signal, fn, 'http://media.test:8080');
    expect(probe.ok).toBe(true);
    expect(urls).toEqual(['http://media.test:8080/api/channels/clip']);
  });

  it('ProgressivePlayback lists the media and plays the file from the server', async () => {
    const { fn, urls } = recordingFetch(() => Response.json({ files: [{ url: '/vod/clip.mp4', progressive: true, playback: null }] }));
    let src = '';
    const video = Object.assign(new EventTarget(), {
      autoplay: false, loop: false, preload: '', muted: false, currentTime: 0, duration: Number.NaN, error: null,
      get src() { return src; },
      set src(v: string) { src = new URL(v, 'http://page.test/').href; },
      removeAttribute: () => { src = ''; },
      load: () => undefined,
      play: () => Promise.resolve(),
    });
    const p = new ProgressivePlayback(video as unknown as HTMLVideoElement, INFO, performance.now(), DEFAULT_PROGRESSIVE_OPTIONS, fn, 'http://media.test:8080');
    p.start();
    for (let i = 0; i < 100 && p.state !== 'loading'; i++) await new Promise((r) => setTimeout(r, 1));
    expect(p.state).toBe('loading');
    expect(urls).toEqual(['http://media.test:8080/api/media']);
    expect(video.src).toBe('http://media.test:8080/vod/clip.mp4');
    p.stop();
  });
});
