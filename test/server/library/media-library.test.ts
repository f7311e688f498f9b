import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChannelFiles, listMediaFiles, vodUrl, vodUrlOfFile } from '../../../server/library/media-library.js';

describe('vodUrl', () => {
  it.each([
    ['a.mp4', '/vod/a.mp4'],
    ['dir/b c.mp4', '/vod/dir/b%20c.mp4'],
    ['x#1?.mkv', '/vod/x%231%3F.mkv'],
    ['100%.webm', '/vod/100%25.webm'],
    ['été/clip.mov', '/vod/%C3%A9t%C3%A9/clip.mov'],
  ])('%j → %s', (rel, url) => {
    expect(vodUrl(rel)).toBe(url);
  });
});

describe('vodUrlOfFile', () => {
  it.each([
    ['/m', '/m/a.mp4', '/vod/a.mp4'],
    ['/m', 'file:///m/sub/a b.mp4', '/vod/sub/a%20b.mp4'],
    ['/m', '/m', null],
    ['/m', '/other/a.mp4', null],
    ['/m', '/m/../etc/passwd', null],
  ])('root %s, file %s → %s', (root, file, url) => {
    expect(vodUrlOfFile(root, file)).toBe(url);
  });
});

describe('one answer for channels and /api/media', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pushcast-library-'));
    for (const n of ['clip.mp4', 'two.mkv', 'song.mp3', 'notes.txt', '.hidden.mp4', 'bad name!.mp4']) writeFileSync(path.join(dir, n), 'x');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'deep.mp4'), 'x');
    mkdirSync(path.join(dir, 'folder.mp4')); // a directory with a video extension is not a channel
    symlinkSync('/etc/hostname', path.join(dir, 'escape.mp4')); // leaves the root: never listed
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('channels are the top-level video files with a valid id, sorted', () => {
    expect(listChannelFiles(dir).map((f) => f.id)).toEqual(['clip', 'two']);
    expect(listChannelFiles(path.join(dir, 'missing'))).toEqual([]);
  });

  it('every channel file is listed by /api/media under the same URL', async () => {
    const listed = await listMediaFiles(dir);
    const urls = new Set(listed.map((f) => f.url));
    for (const { file } of listChannelFiles(dir)) expect(urls).toContain(vodUrlOfFile(dir, file));
    expect(listed.map((f) => f.rel).sort()).toEqual(['bad name!.mp4', 'clip.mp4', 'song.mp3', 'sub/deep.mp4', 'two.mkv']);
  });
});
