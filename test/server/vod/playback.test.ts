import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../server/ffmpeg/args.js';
import { planPlayback } from '../../../server/vod/playback.js';
import type { MediaFacts, PlaybackPlan } from '../../../server/vod/playback.js';

const probe = (video: string | null, audio: string | null, profile: string | null = 'High'): ProbeResult => ({
  video: video === null ? null : { codec: video, profile, pixFmt: 'yuv420p' },
  audio: audio === null ? null : { codec: audio },
  duration: 2,
});
const facts = (ext: string, p: MediaFacts['probe'], iso = false, faststart: boolean | undefined = undefined): MediaFacts => ({ ext, iso, faststart, probe: p });
type Want = Pick<PlaybackPlan, 'progressive' | 'plain' | 'mp4'>;

describe('planPlayback', () => {
  it.each<[string, MediaFacts, Want]>([
    ['faststart H.264/AAC mp4', facts('mp4', probe('h264', 'aac'), true, true), { progressive: true, plain: 'original', mp4: 'original' }],
    ['moov-at-end H.264/AAC mp4', facts('mp4', probe('h264', 'aac'), true, false), { progressive: false, plain: 'faststart', mp4: 'faststart' }],
    ['moov-at-end mp4, no ffprobe', facts('mp4', null, true, false), { progressive: false, plain: 'faststart', mp4: 'faststart' }],
    ['faststart mp4, no ffprobe', facts('m4v', null, true, true), { progressive: true, plain: 'original', mp4: 'original' }],
    ['faststart m4a AAC', facts('m4a', probe(null, 'aac'), true, true), { progressive: true, plain: 'original', mp4: 'original' }],
    ['HEVC mp4: transcode on ?format=mp4', facts('mp4', probe('hevc', 'aac', 'Main'), true, true), { progressive: false, plain: 'original', mp4: 'transcode' }],
    ['HEVC mp4 moov at end', facts('mp4', probe('hevc', 'aac', 'Main'), true, false), { progressive: false, plain: 'faststart', mp4: 'transcode' }],
    ['mp4 without moov', facts('mp4', probe('h264', 'aac'), true, undefined), { progressive: false, plain: 'original', mp4: null }],
    ['mp4 name but not ISO inside', facts('mp4', probe('h264', 'aac'), false, undefined), { progressive: false, plain: 'original', mp4: 'remux' }],
    ['mkv H.264/AAC: remux', facts('mkv', probe('h264', 'aac')), { progressive: false, plain: 'original', mp4: 'remux' }],
    ['mkv H.264/Opus: remux', facts('mkv', probe('h264', 'opus')), { progressive: false, plain: 'original', mp4: 'remux' }],
    ['ts H.264/MP3: remux', facts('ts', probe('h264', 'mp3')), { progressive: false, plain: 'original', mp4: 'remux' }],
    ['mkv H.264/AC-3: transcode (audio)', facts('mkv', probe('h264', 'ac3')), { progressive: false, plain: 'original', mp4: 'transcode' }],
    ['avi MPEG-4/MP3: transcode', facts('avi', probe('mpeg4', 'mp3', 'Simple Profile')), { progressive: false, plain: 'original', mp4: 'transcode' }],
    ['mkv H.264 High 10: transcode', facts('mkv', probe('h264', 'aac', 'High 10')), { progressive: false, plain: 'original', mp4: 'transcode' }],
    ['mov without ffprobe: transcode', facts('mov', null), { progressive: false, plain: 'original', mp4: 'transcode' }],
    ['webm VP9/Opus: progressive', facts('webm', probe('vp9', 'opus', null)), { progressive: true, plain: 'original', mp4: 'transcode' }],
    ['webm H.264: not progressive', facts('webm', probe('h264', 'opus')), { progressive: false, plain: 'original', mp4: 'remux' }],
    ['mp3', facts('mp3', probe(null, 'mp3')), { progressive: true, plain: 'original', mp4: 'remux' }],
    ['opus', facts('opus', probe(null, 'opus')), { progressive: true, plain: 'original', mp4: 'remux' }],
    ['vtt without ffprobe', facts('vtt', null), { progressive: false, plain: 'original', mp4: null }],
    ['not media per ffprobe', facts('mkv', 'not-media'), { progressive: false, plain: 'original', mp4: null }],
  ])('%s', (_name, f, want) => {
    expect(planPlayback(f)).toMatchObject(want);
  });

  it('hands the per-stream plan to the copy job', () => {
    expect(planPlayback(facts('mkv', probe('h264', 'ac3'))).codecs).toEqual({ video: 'copy', audio: 'aac' });
    expect(planPlayback(facts('mkv', probe('vp9', null, null))).codecs).toEqual({ video: 'x264', audio: 'none' });
  });
});
