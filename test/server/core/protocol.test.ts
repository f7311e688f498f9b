import { describe, expect, it } from 'vitest';
import { CANDIDATE_CODECS, codecCovered, isChannelId, unplayableCodecs } from '../../../server/core/protocol.js';

describe('codecCovered', () => {
  it.each<[string, string, string[], boolean]>([
    // H.264: same profile_idc, level equal or higher (RFC 6381 §3.3 avc1.PPCCLL).
    ['same string', 'avc1.64001f', ['avc1.64001f'], true],
    ['a higher level covers a lower one', 'avc1.64001f', ['avc1.640028'], true],
    ['a lower level does not cover a higher one', 'avc1.640028', ['avc1.64001f'], false],
    ['hex digits in either case', 'AVC1.64001F', ['avc1.64001f'], true],
    ['level compared as a number, not a string (0x1E < 0x28)', 'avc1.4d401e', ['avc1.4D4028'], true],
    ['another profile does not count (Main vs High)', 'avc1.4d401f', ['avc1.640033'], false],
    ['constraint flags are not compared', 'avc1.42001e', ['avc1.42E01E'], true],
    ['avc3 is H.264 too', 'avc3.64001f', ['avc1.640028'], true],
    ['one match among many is enough', 'avc1.42e01e', ['mp4a.40.2', 'avc1.64001f', 'avc1.42E01F'], true],
    ['a malformed playable entry is ignored', 'avc1.64001f', ['avc1', 'avc1.64001'], false],
    ['a malformed channel codec is compared as a string', 'avc1.64001', ['avc1.64001'], true],
    ['a malformed channel codec does not match by level', 'avc1.64001', ['avc1.640028'], false],
    ['nothing playable', 'avc1.64001f', [], false],
    ['the candidate list covers High 5.2', 'avc1.640034', [...CANDIDATE_CODECS], true],
    ['the candidate list stops at High 5.2', 'avc1.640035', [...CANDIDATE_CODECS], false],
    // Everything else: case-insensitive equality.
    ['AAC-LC', 'mp4a.40.2', ['mp4a.40.2'], true],
    ['AAC-LC, other case', 'mp4a.40.2', ['MP4A.40.2'], true],
    ['HE-AAC does not cover AAC-LC', 'mp4a.40.2', ['mp4a.40.5'], false],
    ['MP3 (mp4a.6B) in either case', 'mp4a.6b', ['mp4a.6B'], true],
    ['Opus', 'Opus', ['opus'], true],
    ['no prefix matching', 'mp4a.40', ['mp4a.40.2'], false],
    ['an H.264 entry does not cover audio', 'mp4a.40.2', ['avc1.64001f'], false],
  ])('%s', (_name, codec, playable, expected) => {
    expect(codecCovered(codec, playable)).toBe(expected);
  });
});

describe('unplayableCodecs', () => {
  it.each<[string, string[], string[], string[]]>([
    ['all playable', ['avc1.64001f', 'mp4a.40.2'], ['avc1.640028', 'mp4a.40.2'], []],
    ['audio missing', ['avc1.64001f', 'mp4a.40.2'], ['avc1.640028'], ['mp4a.40.2']],
    ['video level too high', ['avc1.640033', 'mp4a.40.2'], ['avc1.640028', 'mp4a.40.2'], ['avc1.640033']],
    ['nothing reported', ['avc1.64001f', 'opus'], [], ['avc1.64001f', 'opus']],
    ['a channel without codecs', [], ['opus'], []],
  ])('%s', (_name, channel, playable, expected) => {
    expect(unplayableCodecs(channel, playable)).toEqual(expected);
  });
});

describe('isChannelId', () => {
  it.each<[string, boolean]>([
    ['test', true], ['Cam_1.main-hd', true], ['0', true], ['a'.repeat(128), true],
    ['', false], ['a'.repeat(129), false], ['.x', false], ['_x', false], ['a b', false], ['a/b', false], ['é', false], ['x\n', false],
  ])('%j → %s', (id, ok) => {
    expect(isChannelId(id)).toBe(ok);
  });
});
