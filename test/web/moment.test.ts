import { describe, expect, it } from 'vitest';
import {
  addressWithoutStartTime,
  copyText,
  decideStartAt,
  momentUrl,
  playTargetFromPath,
  playUrl,
  type StartAtInput,
} from '../../web/src/pages/moment.js';

describe('playTargetFromPath', () => {
  it.each([
    ['/play/clip.mp4', '/vod/clip.mp4', 'clip.mp4'],
    ['/play/films/my%20clip.mkv', '/vod/films/my%20clip.mkv', 'films/my clip.mkv'],
    // Written the way the server writes /vod/ URLs (encodeURIComponent per segment).
    ['/play/a[1].mp4', '/vod/a%5B1%5D.mp4', 'a[1].mp4'],
    ['/play/%23hash%3F.mp4', '/vod/%23hash%3F.mp4', '#hash?.mp4'],
    ['/play/caf%C3%A9.mp4', '/vod/caf%C3%A9.mp4', 'café.mp4'],
  ])('%s → %s', (pathname, vod, name) => {
    expect(playTargetFromPath(pathname)).toEqual({ vod, name });
  });

  it.each([
    '/play/', '/play', '/watch/x', '/play//clip.mp4', '/play/clip.mp4/', '/play/../secret', '/play/%2e%2e/secret',
    '/play/a%2f..%2f..%2fsecret', '/play/a%5c..%5csecret', '/play/%00.mp4', '/play/a%0ab.mp4', '/play/%E0%A4%A', '/play/./clip.mp4',
  ])('%s → null', (pathname) => {
    expect(playTargetFromPath(pathname)).toBeNull();
  });
});

describe('playUrl', () => {
  it.each([
    ['/vod/clip.mp4', 90, '/play/clip.mp4?t=90'],
    ['/vod/films/my%20clip.mkv', 90.5, '/play/films/my%20clip.mkv?t=90.5'],
    ['/vod/clip.mp4', 0, '/play/clip.mp4?t=0'],
    ['/vod/', 5, null],
    ['/elsewhere/clip.mp4', 5, null],
  ])('%s at %d → %s', (vod, sec, url) => {
    expect(playUrl(vod, sec)).toBe(url);
  });

  it('leads back to the same file', () => {
    const url = playUrl('/vod/films/my%20clip%5B2%5D.mkv', 12)!;
    expect(playTargetFromPath(new URL(url, 'http://h').pathname)?.vod).toBe('/vod/films/my%20clip%5B2%5D.mkv');
  });
});

describe('momentUrl', () => {
  it.each([
    ['http://h:8080', 'lobby', 90.4, 'http://h:8080/watch/lobby?t=90'],
    ['http://h:8080', 'lobby', 90.5, 'http://h:8080/watch/lobby?t=91'],
    ['https://x.example', 'a b/c', 3, 'https://x.example/watch/a%20b%2Fc?t=3'],
    ['http://h', 'clip', -0.2, 'http://h/watch/clip?t=0'],
  ])('%s %s at %d → %s', (origin, id, sec, url) => {
    expect(momentUrl(origin, id, sec)).toBe(url);
  });
});

describe('addressWithoutStartTime', () => {
  it.each([
    ['/watch/clip', '?t=90', '', '/watch/clip'],
    ['/watch/clip', '?t=90&x=1', '#a=b', '/watch/clip?x=1#a=b'],
    ['/watch/clip', '', '#t=90', '/watch/clip'],
    ['/watch/clip', '?x=1', '#t=9&y=2', '/watch/clip?x=1#y=2'],
    ['/watch/clip', '?x=1', '', '/watch/clip?x=1'],
  ])('%s%s%s → %s', (pathname, search, hash, out) => {
    expect(addressWithoutStartTime(pathname, search, hash)).toBe(out);
  });
});

describe('decideStartAt', () => {
  const file = { kind: 'file', control: 'token', vod: '/vod/clip.mp4' } as const;
  const base: StartAtInput = { start: 90, role: 'viewer', info: file, progressive: false };
  it.each<[string, Partial<StartAtInput>, ReturnType<typeof decideStartAt>]>([
    ['no t', { start: null }, { kind: 'none' }],
    ['no channel yet', { info: null }, { kind: 'wait' }],
    ['no role yet', { role: null }, { kind: 'wait' }],
    ['a controller', { role: 'controller' }, { kind: 'seek', position: 90 }],
    ['a controller at 0', { role: 'controller', start: 0 }, { kind: 'seek', position: 0 }],
    ['a viewer on an open channel', { info: { ...file, control: 'open' } }, { kind: 'seek', position: 90 }],
    ['a viewer', {}, { kind: 'offer', href: '/play/clip.mp4?t=90' }],
    ['a viewer, file not under /vod/', { info: { ...file, vod: null } }, { kind: 'none' }],
    ['a live channel', { role: 'controller', info: { kind: 'live', control: 'token', vod: null } }, { kind: 'none' }],
    ['a test channel', { info: { kind: 'test', control: 'open', vod: null } }, { kind: 'none' }],
    // The progressive fallback has no socket: no role will come, commands cannot be sent.
    ['progressive, no role', { role: null, progressive: true }, { kind: 'offer', href: '/play/clip.mp4?t=90' }],
    ['progressive, a live channel', { role: null, progressive: true, info: { kind: 'live', control: 'open', vod: null } }, { kind: 'none' }],
  ])('%s', (_name, change, expected) => {
    expect(decideStartAt({ ...base, ...change })).toEqual(expected);
  });
});

describe('copyText', () => {
  it('copies through the clipboard', async () => {
    const copied: string[] = [];
    expect(await copyText('http://h/watch/x?t=3', { writeText: async (t) => void copied.push(t) })).toBe('copied');
    expect(copied).toEqual(['http://h/watch/x?t=3']);
  });

  it('falls back without a clipboard (insecure context)', async () => {
    expect(await copyText('x', undefined)).toBe('fallback');
  });

  it('falls back when the clipboard refuses', async () => {
    const refuse = { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) };
    expect(await copyText('x', refuse)).toBe('fallback');
  });
});
