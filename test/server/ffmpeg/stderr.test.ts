import { describe, expect, it } from 'vitest';
import { isJoinNoise, StderrTail } from '../../../server/ffmpeg/stderr.js';

describe('isJoinNoise', () => {
  it.each([
    ['[h264 @ 0x55d672d8a580] non-existing PPS 0 referenced', true],
    ['[h264 @ 0x55d672d8a580] non-existing SPS 1 referenced', true],
    ['[h264 @ 0x55d672d8a580] decode_slice_header error', true],
    ['[h264 @ 0x55d672d8a580] no frame!', true],
    ['[hevc @ 0x5600aa] PPS id out of range: 3', true],
    ['[hevc @ 0x5600aa] Could not find ref with POC -2', true],
    ['    Last message repeated 1 times', true],
    ['    Last message repeated 12 times', true],
    // What explains a failure stays.
    ['udp://127.0.0.1:43408: Input/output error', false],
    ['rtsp://cam/stream: Connection refused', false],
    ['[h264 @ 0x55d672d8a580] error while decoding MB 10 20, bytestream -5', false],
    ['[mp4 @ 0x559321bc3800] dimensions not set', false],
    ['Error writing trailer of pipe:1: Broken pipe', false],
    ['no frame!', false],
  ])('%s → %s', (line, noise) => expect(isJoinNoise(line)).toBe(noise));
});

describe('StderrTail', () => {
  it('keeps the last meaningful lines only', () => {
    const tail = new StderrTail(2);
    for (const line of ['first', '[h264 @ 0x1] no frame!', '', 'second', '    Last message repeated 3 times', 'third', '[h264 @ 0x1] decode_slice_header error']) tail.push(line);
    expect(tail.toString()).toBe('second\nthird');
  });
});
