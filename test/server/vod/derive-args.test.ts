import { describe, expect, it } from 'vitest';
import type { CodecPlan } from '../../../server/ffmpeg/args.js';
import { deriveArgs } from '../../../server/vod/derive-args.js';
import type { DerivedKind } from '../../../server/vod/derive-args.js';

const HEAD = '-hide_banner -nostdin -loglevel error -y -i file:/m/in.mkv';
const TAIL = '-movflags +faststart -f mp4 file:/c/out.part';
const MAPS = '-map 0:V:0? -map 0:a:0? -sn -dn';
const X264 = '-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -profile:v high -g 48';
const AAC = '-c:a aac -b:a 128k -ac 2 -ar 48000';

describe('deriveArgs: full command lines', () => {
  it.each<[DerivedKind, CodecPlan, string]>([
    ['faststart', { video: 'copy', audio: 'copy' }, `${HEAD} -map 0 -c copy -map_metadata 0 ${TAIL}`],
    ['remux', { video: 'copy', audio: 'copy' }, `${HEAD} ${MAPS} -c:v copy -c:a copy ${TAIL}`],
    ['remux', { video: 'copy', audio: 'none' }, `${HEAD} ${MAPS} -c:v copy -an ${TAIL}`],
    ['remux', { video: 'none', audio: 'copy' }, `${HEAD} ${MAPS} -vn -c:a copy ${TAIL}`],
    ['transcode', { video: 'x264', audio: 'aac' }, `${HEAD} ${MAPS} ${X264} ${AAC} ${TAIL}`],
    ['transcode', { video: 'copy', audio: 'aac' }, `${HEAD} ${MAPS} -c:v copy ${AAC} ${TAIL}`],
    ['transcode', { video: 'x264', audio: 'none' }, `${HEAD} ${MAPS} ${X264} -an ${TAIL}`],
  ])('%s %j', (kind, codecs, expected) => {
    expect(deriveArgs(kind, '/m/in.mkv', '/c/out.part', codecs).join(' ')).toBe(expected);
  });

  it('keeps a path with spaces and a scheme-like name as one file: argument', () => {
    const args = deriveArgs('remux', '/m/rtmp:my clip.mkv', '/c/o.part', { video: 'copy', audio: 'copy' });
    expect(args).toContain('file:/m/rtmp:my clip.mkv');
  });
});
