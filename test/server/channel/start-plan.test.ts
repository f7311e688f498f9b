import { describe, expect, it } from 'vitest';
import { directCodecs, initialStartPlan, nextStartPlan, type StartEvent, type StartPlanState } from '../../../server/channel/start-plan.js';
import { playableInMse } from '../../../server/ffmpeg/args.js';
import type { TranscodePolicy } from '../../../server/runtime/config.js';

const direct = (level = 0): StartPlanState => ({ mode: 'direct', level, probeAgrees: false, directAllowed: true });
const probe = (level = 0, probeAgrees = false, directAllowed = true): StartPlanState => ({ mode: 'probe', level, probeAgrees, directAllowed });
const h264aac = ['avc1.64001f', 'mp4a.40.2'];

describe('initialStartPlan', () => {
  it.each<[string, StartPlanState['mode']]>([
    ['udp://127.0.0.1:1234', 'direct'], ['UDP://@:1234', 'direct'], ['rtp://239.0.0.1:5004', 'direct'],
    ['srt://host:9000?mode=caller', 'direct'], ['rtmp://host/live/key', 'direct'], ['rtsps://cam/stream', 'direct'],
    ['http://host/stream.ts', 'probe'], ['https://host/index.m3u8', 'probe'], ['/media/clip.mp4', 'probe'], ['tcp://host:1234', 'probe'],
  ])('%s starts %s', (url, mode) => {
    expect(initialStartPlan(url, 'auto').mode).toBe(mode);
  });
});

describe('playableInMse', () => {
  it.each<[string, boolean]>([
    ['avc1.42e01e', true], ['avc1.4d401f', true], ['avc1.64001f', true], ['avc3.640028', true], ['AVC1.64001F', true],
    ['avc1.6e001f', false], ['avc1.7a0028', false], ['avc1.f40028', false], ['hvc1.1.6.L93.B0', false], ['hev1.1.6.L93.B0', false],
    ['mp4a.40.2', true], ['mp4a.40.5', true], ['mp4a.40.29', true], ['mp4a.6b', true], ['mp4a.40.34', true], ['opus', true],
    ['mp4a.69', true], ['ac-3', false], ['ec-3', false], ['mp4a.a5', false], ['mp4v.20.9', false], ['', false],
  ])('%s → %s', (codec, ok) => {
    expect(playableInMse(codec)).toBe(ok);
  });
});

describe('nextStartPlan', () => {
  type Row = [name: string, state: StartPlanState, event: StartEvent, policy: TranscodePolicy, next: StartPlanState, replan: boolean];
  const rows: Row[] = [
    ['direct, playable init: keep the run', direct(), { type: 'init', codecs: h264aac }, 'auto', direct(), false],
    ['direct, HEVC init: replace the run, probe next', direct(), { type: 'init', codecs: ['hvc1.1.6.L93.B0', 'mp4a.40.2'] }, 'auto', probe(), true],
    ['direct, MP2 audio cannot reach an init (copy-aac fails): that is a failed start', direct(), { type: 'failed' }, 'auto', probe(1), false],
    ['direct, HEVC under "never": copy anyway', direct(), { type: 'init', codecs: ['hvc1.1.6.L93.B0'] }, 'never', direct(), false],
    ['direct transcode ("always"): any init is ours', direct(), { type: 'init', codecs: ['avc1.64001f'] }, 'always', direct(), false],
    ['probe mode ignores the init (the probe chose the codecs)', probe(), { type: 'init', codecs: ['hvc1.1.6.L93.B0'] }, 'auto', probe(), false],
    ['direct, no picture size (the window closed before the first keyframe): direct, longer window', direct(), { type: 'failed', reason: 'ffmpeg exited with code 1: [mp4 @ 0x55] dimensions not set\nCould not write header for output file #0 (incorrect codec parameters ?): Invalid argument' }, 'auto', direct(1), false],
    ['direct at the longest window without a picture size: ask ffprobe', direct(2), { type: 'failed', reason: 'dimensions not set' }, 'auto', probe(2), false],
    ['direct, connection refused: probe, longer window', direct(), { type: 'failed', reason: 'ffmpeg exited with code 1: Connection refused' }, 'auto', probe(1), false],
    ['failed again: the window grows', probe(1), { type: 'failed' }, 'auto', probe(2), false],
    ['probe mode, no picture size: stays probed', probe(1), { type: 'failed', reason: 'dimensions not set' }, 'auto', probe(2), false],
    ['the window stops at 5 s', probe(2), { type: 'failed' }, 'auto', probe(2), false],
    ['a probe that plans copy + AAC agrees with direct', probe(1), { type: 'probed', codecs: { video: 'copy', audio: 'copy-aac' } }, 'auto', probe(1, true), false],
    ['a probe that plans a transcode does not', probe(1, true), { type: 'probed', codecs: { video: 'x264', audio: 'copy-aac' } }, 'auto', probe(1), false],
    ['media after an agreeing probe: direct again, window kept', probe(1, true), { type: 'media' }, 'auto', { ...direct(1), probeAgrees: true }, false],
    ['media after a disagreeing probe: stay probed', probe(1), { type: 'media' }, 'auto', probe(1), false],
    ['http never goes direct', probe(0, true, false), { type: 'media' }, 'auto', probe(0, true, false), false],
    ['media in direct mode: nothing changes', direct(1), { type: 'media' }, 'auto', direct(1), false],
  ];
  it.each(rows)('%s', (_name, state, event, policy, next, replan) => {
    expect(nextStartPlan(state, event, policy)).toEqual({ state: next, replan });
  });

  it('direct codecs: copy with ADTS repacking, or x264 + AAC under "always"', () => {
    expect(directCodecs('auto')).toEqual({ video: 'copy', audio: 'copy-aac' });
    expect(directCodecs('never')).toEqual({ video: 'copy', audio: 'copy-aac' });
    expect(directCodecs('always')).toEqual({ video: 'x264', audio: 'aac' });
  });
});
