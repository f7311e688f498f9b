import { describe, expect, it } from 'vitest';
import { contentTypeFor, DEFAULT_CONTENT_TYPE } from '../../../server/http/mime.js';

describe('contentTypeFor', () => {
  it.each([
    ['a.mp4', 'video/mp4'],
    ['a.M4V', 'video/mp4'],
    ['seg/1.m4s', 'video/mp4'],
    ['a.webm', 'video/webm'],
    ['a.mkv', 'video/x-matroska'],
    ['a.ts', 'video/mp2t'],
    ['a.mov', 'video/quicktime'],
    ['a.mp3', 'audio/mpeg'],
    ['a.m4a', 'audio/mp4'],
    ['a.ogg', 'audio/ogg'],
    ['a.opus', 'audio/ogg'],
    ['subs/a.vtt', 'text/vtt'],
    ['a.avi', 'video/x-msvideo'],
    ['a.exe', DEFAULT_CONTENT_TYPE],
    ['noext', DEFAULT_CONTENT_TYPE],
    ['.mp4', DEFAULT_CONTENT_TYPE], // a dotfile named ".mp4" has no extension
    ['a.constructor', DEFAULT_CONTENT_TYPE], // no prototype lookups
    ['a.tar.gz', DEFAULT_CONTENT_TYPE],
  ])('%s → %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});
