import { describe, expect, it } from 'vitest';
import { isChannelId } from '../../../server/core/protocol.js';
import { FALLBACK_STEM, MAX_STEM, mediaFileName, safeStem, videoExtension } from '../../../server/upload/naming.js';

const free = (): boolean => false;
const takenSet = (...ids: string[]) => (id: string) => ids.map((x) => x.toLowerCase()).includes(id.toLowerCase());

describe('mediaFileName: the client name is a hint, never a path', () => {
  it.each([
    ['clip.mp4', 'clip.mp4'],
    ['../../etc/passwd.mp4', 'passwd.mp4'],
    ['a/b.mp4', 'b.mp4'],
    ['C:\\Users\\me\\Videos\\holiday.mkv', 'holiday.mkv'],
    ['..\\..\\win.ini.mp4', 'win.ini.mp4'],
    ['/absolute/path/x.webm', 'x.webm'],
    ['', `${FALLBACK_STEM}.mp4`],
    ['.mp4', `${FALLBACK_STEM}.mp4`],
    ['..', `${FALLBACK_STEM}.mp4`],
    ['../', `${FALLBACK_STEM}.mp4`],
    ['.hidden.mp4', 'hidden.mp4'],
    ['Été à Paris.MOV', 'Ete-a-Paris.mov'],
    ['日本語.mp4', `${FALLBACK_STEM}.mp4`],
    ['日本 clip 2.mp4', 'clip-2.mp4'],
    ['emoji 🎬 film.mp4', 'emoji-film.mp4'],
    ['tab\tnew\nline\u0000nul.mp4', 'tab-new-linenul.mp4'],
    ['my..movie...mp4', 'my.movie.mp4'],
    ['--dash-start.mp4', 'dash-start.mp4'],
    ['spaces   everywhere .mp4', 'spaces-everywhere.mp4'],
    ['a - b _ c.mp4', 'a-b-c.mp4'],
    ['<script>alert(1)</script>.mp4', 'script.mp4'], // the slash is a separator
    ['<b>bold<b>.mp4', 'b-bold-b.mp4'],
    ['name with "quotes" & $vars;.mkv', 'name-with-quotes-vars.mkv'],
    ['movie.avi', 'movie.avi.mp4'], // not a channel extension: kept in the stem, .mp4 added,
    ['no-extension', 'no-extension.mp4'],
    ['UPPER.M4V', 'UPPER.m4v'],
    ['stream.ts', 'stream.ts'],
  ])('%j → %j', (given, expected) => {
    expect(mediaFileName(given, free)).toBe(expected);
  });

  it.each([null, undefined])('no name (%s) → the fallback', (given) => {
    expect(mediaFileName(given, free)).toBe(`${FALLBACK_STEM}.mp4`);
  });

  it('every result is a channel id plus a video extension, for hostile input too', () => {
    const hostile = ['', '/', '\\', '.', '...', '\u202e\u0000', 'a'.repeat(5000) + '.mp4', '-'.repeat(300), '😀'.repeat(50), 'x/../../y.mov', '%2e%2e%2fetc.mp4'];
    for (const h of hostile) {
      const name = mediaFileName(h, free);
      const ext = videoExtension(name);
      expect(ext, name).not.toBeNull();
      const stem = name.slice(0, -ext!.length);
      expect(isChannelId(stem), name).toBe(true);
      expect(name).not.toMatch(/[/\\]|\.\./);
    }
  });

  it('keeps the stem at most MAX_STEM characters', () => {
    expect(mediaFileName('a'.repeat(500) + '.mp4', free)).toBe('a'.repeat(MAX_STEM) + '.mp4');
  });
});

describe('mediaFileName: collisions', () => {
  it.each([
    ['free', [], 'clip.mp4'],
    ['taken once', ['clip'], 'clip-2.mp4'],
    ['taken twice', ['clip', 'clip-2'], 'clip-3.mp4'],
    ['a gap is reused', ['clip', 'clip-3'], 'clip-2.mp4'],
    ['compared without case', ['CLIP'], 'clip-2.mp4'],
  ])('%s', (_name, taken, expected) => {
    expect(mediaFileName('clip.mp4', takenSet(...taken))).toBe(expected);
  });

  it('past the suffixes it falls back to a random one', () => {
    const name = mediaFileName('clip.mp4', (id) => id === 'clip' || /^clip-\d+$/.test(id), () => 'r4nd0m');
    expect(name).toBe('clip-r4nd0m.mp4');
  });
});

describe('safeStem and videoExtension', () => {
  it.each([
    ['ok', 'ok'],
    ['a.b', 'a.b'],
    ['_x_', 'x'],
    ['', FALLBACK_STEM],
  ])('safeStem(%j) = %j', (given, expected) => {
    expect(safeStem(given)).toBe(expected);
  });

  it.each([
    ['a.mp4', '.mp4'],
    ['a.MKV', '.mkv'],
    ['a.mp3', null],
    ['a', null],
    ['dir.mp4/file', null],
  ])('videoExtension(%j) = %j', (given, expected) => {
    expect(videoExtension(given)).toBe(expected);
  });
});
