import { describe, expect, it } from 'vitest';
import { describeJob, type MediaJobEntry } from '../../web/src/pages/media-jobs.js';

const entry = (playback: MediaJobEntry['playback']): MediaJobEntry => ({ path: 'films/a.mkv', playback });

describe('describeJob', () => {
  it.each<[string, MediaJobEntry['playback'], ReturnType<typeof describeJob>]>([
    ['plays as it is', null, null],
    ['copy ready', { variant: 'remux', state: 'ready', progress: null, error: null }, null],
    ['copy not asked for yet', { variant: 'remux', state: 'absent', progress: null, error: null }, null],
    ['queued', { variant: 'transcode', state: 'pending', progress: null, error: null },
      { path: 'films/a.mkv', label: 'transcode · waiting for its turn', fraction: null, failed: false }],
    ['running, no time yet', { variant: 'transcode', state: 'pending', progress: { fraction: 0.004, etaSec: null }, error: null },
      { path: 'films/a.mkv', label: 'transcode · 0 %', fraction: 0.004, failed: false }],
    ['running', { variant: 'transcode', state: 'pending', progress: { fraction: 0.426, etaSec: 12 }, error: null },
      { path: 'films/a.mkv', label: 'transcode · 42 % · about 12 s left', fraction: 0.426, failed: false }],
    ['failed', { variant: 'faststart', state: 'failed', progress: null, error: { code: 'FFMPEG_EXIT', message: 'x' } },
      { path: 'films/a.mkv', label: 'faststart · failed: FFMPEG_EXIT', fraction: null, failed: true }],
  ])('%s', (_name, playback, expected) => {
    expect(describeJob(entry(playback))).toEqual(expected);
  });
});
