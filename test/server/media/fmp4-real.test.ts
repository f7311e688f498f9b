/**
 * Integration test: real ffmpeg output through BoxSplitter → Segmenter, moof/prft parsing and
 * init-info. Spawns /usr/bin/ffmpeg (or FFMPEG_PATH) a few times; about two seconds in all.
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { BoxSplitter } from '../../../server/media/box-splitter.js';
import { parseInitSegment, type InitInfo } from '../../../server/media/init-info.js';
import { readPrft } from '../../../server/core/prft.js';
import { Segmenter, type Segment } from '../../../server/media/segmenter.js';

const FFMPEG = process.env['FFMPEG_PATH'] ?? '/usr/bin/ffmpeg';
const FRAGMENT_US = 200_000;

/** The command from the brief: 3 s of 30 fps test pattern + tone, a keyframe every 30 frames. */
const AV_ARGS = [
  '-v', 'error',
  '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:d=3',
  '-f', 'lavfi', '-i', 'sine=d=3',
  '-c:v', 'libx264', '-g', '30', '-c:a', 'aac',
  '-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_keyframe',
  '-frag_duration', String(FRAGMENT_US), '-write_prft', 'wallclock', 'pipe:1',
];
const AUDIO_ONLY_ARGS = [
  '-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac',
  '-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_keyframe', '-frag_duration', String(FRAGMENT_US), 'pipe:1',
];

interface Run { code: number | null; stdout: Buffer; stderr: string }

function ffmpeg(args: string[], stdin?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, ['-nostdin', ...args].filter((a) => !(stdin && a === '-nostdin')), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    child.stdin.on('error', () => { /* ffmpeg may exit before reading all of stdin; its exit code tells */ });
    child.stdin.end(stdin);
  });
}

/** A small deterministic PRNG (mulberry32) so the random chunking is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Runs bytes through BoxSplitter + Segmenter in chunks of 1..maxChunk bytes. */
function segment(bytes: Buffer, maxChunk: number, seed = 1): Segment[] {
  const rand = prng(seed);
  const splitter = new BoxSplitter();
  const segmenter = new Segmenter();
  const out: Segment[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rand() * maxChunk);
    for (const box of splitter.push(bytes.subarray(at, at + n))) {
      const s = segmenter.push(box);
      if (s) out.push(s);
    }
    at += n;
  }
  expect(splitter.pendingBytes).toBe(0);
  return out;
}

/** Top-level box types of a buffer. */
function boxTypes(data: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at + 8 <= data.length; at += data.readUInt32BE(at)) types.push(data.toString('latin1', at + 4, at + 8));
  return types;
}

let av: Buffer;
let segments: Segment[];
let init: Buffer;
let media: Extract<Segment, { kind: 'media' }>[];
let info: InitInfo;
let startedAt: number;

beforeAll(async () => {
  startedAt = Date.now();
  const run = await ffmpeg(AV_ARGS);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  av = run.stdout;
  segments = segment(av, 4096);
  const [first, ...rest] = segments;
  if (first?.kind !== 'init') throw new Error(`first segment is ${first?.kind}, not init`);
  init = first.data;
  media = rest.filter((s): s is Extract<Segment, { kind: 'media' }> => s.kind === 'media');
  info = parseInitSegment(init);
});

describe('integration: ffmpeg fMP4 → BoxSplitter → Segmenter', () => {
  it('yields exactly one init segment, first, holding ftyp + moov', () => {
    expect(segments[0]?.kind).toBe('init');
    expect(segments.filter((s) => s.kind === 'init')).toHaveLength(1);
    expect(boxTypes(init)).toEqual(['ftyp', 'moov']);
    expect(media.length).toBeGreaterThanOrEqual(3 / (FRAGMENT_US / 1e6) - 2); // ~15 fragments of ≤ 200 ms in 3 s
  });

  it('gives the same segments whatever the chunking', () => {
    const whole = segment(av, av.length);
    for (const [maxChunk, seed] of [[1, 1], [7, 2], [16, 3], [100_000, 4]] as const) {
      const other = segment(av, maxChunk, seed);
      expect(other.map((s) => s.data.toString('base64'))).toEqual(whole.map((s) => s.data.toString('base64')));
    }
  });

  it('every media segment is [prft] moof mdat, and the segments cover the whole stream but the trailer', () => {
    for (const [i, s] of media.entries()) expect(boxTypes(s.data).filter((t) => t !== 'prft'), `fragment ${i}`).toEqual(['moof', 'mdat']);
    const total = segments.reduce((n, s) => n + s.data.length, 0);
    const mfra = av.subarray(total);
    expect(boxTypes(mfra)).toEqual(['mfra']); // ffmpeg's random-access index, dropped on purpose
  });

  it('every fragment that carries the video track starts with a prft for it, stamped with the wall clock', () => {
    const withVideo = media.filter((s) => s.moof.tracks.some((t) => t.trackId === info.videoTrackId && t.sampleCount > 0));
    expect(withVideo.length).toBeGreaterThan(0);
    for (const [i, s] of withVideo.entries()) {
      expect(boxTypes(s.data)[0], `fragment ${i}`).toBe('prft');
      const prft = readPrft(s.data);
      expect(prft?.trackId).toBe(info.videoTrackId);
      expect(prft?.wallClockMs).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(prft?.wallClockMs).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // ffmpeg's final flush may write an audio-only fragment with no prft; nothing else may lack one.
    const withoutPrft = media.filter((s) => readPrft(s.data) === null);
    expect(withoutPrft.length).toBeLessThanOrEqual(1);
    if (withoutPrft[0]) expect(withoutPrft[0]).toBe(media.at(-1));
  });

  it('the first fragment starts the video track with a keyframe, at time 0', () => {
    const video = media[0]?.moof.tracks.find((t) => t.trackId === info.videoTrackId);
    expect(video?.firstSampleSync).toBe(true);
    expect(video?.baseDecodeTime).toBe(0);
  });

  it('video keyframes (-g 30 at 30 fps) start fragments at 0 s, 1 s and 2 s', () => {
    const timescale = info.tracks.find((t) => t.id === info.videoTrackId)?.timescale ?? NaN;
    const keyStarts = media
      .flatMap((s) => s.moof.tracks.filter((t) => t.trackId === info.videoTrackId && t.firstSampleSync))
      .map((t) => (t.baseDecodeTime ?? NaN) / timescale);
    for (const sec of [0, 1, 2]) expect(keyStarts.some((t) => Math.abs(t - sec) < 1 / 60), `keyframe at ${sec} s`).toBe(true);
  });

  it('per track, decode times never go back and each fragment starts where the previous one ended', () => {
    const next = new Map<number, number>();
    for (const [i, s] of media.entries()) {
      for (const t of s.moof.tracks) {
        expect(t.baseDecodeTime, `fragment ${i} track ${t.trackId}`).not.toBeNull();
        const expected = next.get(t.trackId);
        if (expected !== undefined) expect(t.baseDecodeTime, `fragment ${i} track ${t.trackId}`).toBe(expected);
        if (t.duration !== null) next.set(t.trackId, (t.baseDecodeTime ?? 0) + t.duration);
      }
    }
    expect(next.size).toBe(2);
  });

  it('no fragment holds more than the target duration of video (plus one frame)', () => {
    const timescale = info.tracks.find((t) => t.id === info.videoTrackId)?.timescale ?? NaN;
    for (const s of media) {
      const v = s.moof.tracks.find((t) => t.trackId === info.videoTrackId);
      if (v?.duration != null) expect(v.duration / timescale).toBeLessThanOrEqual(FRAGMENT_US / 1e6 + 1 / 30 + 1e-9);
    }
  });

  it('init + media segments decode with ffmpeg without errors', async () => {
    const run = await ffmpeg(['-v', 'error', '-i', '-', '-f', 'null', '-'], Buffer.concat(segments.map((s) => s.data)));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('integration: parseInitSegment on ffmpeg init segments', () => {
  it('reads H.264 High + AAC-LC into the MSE MIME type', () => {
    // libx264 defaults to the High profile (profile_idc 0x64, RFC 6381 avc1.PPCCLL); ffmpeg's aac is AAC-LC (mp4a.40.2).
    expect(info.mime).toMatch(/^video\/mp4; codecs="avc1\.64[0-9a-f]{4},mp4a\.40\.2"$/);
    expect(info.codecs).toHaveLength(2);
    expect(info.mime).toBe(`video/mp4; codecs="${info.codecs.join(',')}"`);
  });

  it('lists both tracks with their timescales and the video size', () => {
    const [video, audio] = info.tracks;
    expect(video).toMatchObject({ id: 1, type: 'video', width: 320, height: 240 });
    expect(audio).toMatchObject({ id: 2, type: 'audio', codec: 'mp4a.40.2' });
    // ffmpeg's mp4 muxer picks a video timescale that is a multiple of the frame rate; audio uses its sample rate (sine defaults to 44.1 kHz).
    expect((video?.timescale ?? 0) % 30).toBe(0);
    expect(audio?.timescale).toBe(44_100);
    expect(audio?.width).toBeUndefined();
    expect(info.videoTrackId).toBe(1);
  });

  it('a live (empty_moov) init has no duration', () => {
    expect(info.duration).toBeNull();
  });

  it('an audio-only stream gives an audio/ MIME type and no video track', async () => {
    const run = await ffmpeg(AUDIO_ONLY_ARGS);
    expect(run.code).toBe(0);
    const first = segment(run.stdout, 1 << 20)[0];
    expect(first?.kind).toBe('init');
    const audio = parseInitSegment(first?.data ?? Buffer.alloc(0));
    expect(audio.mime).toBe('audio/mp4; codecs="mp4a.40.2"');
    expect(audio.videoTrackId).toBeNull();
    expect(audio.tracks).toEqual([{ id: 1, type: 'audio', codec: 'mp4a.40.2', timescale: 44_100 }]);
  });

  it.each<[string, (init: Buffer) => Buffer]>([
    ['the init cut in half', (b) => b.subarray(0, b.length >> 1)],
    ['only the ftyp', (b) => b.subarray(0, b.readUInt32BE(0))],
    ['the init with its moov renamed', (b) => { const c = Buffer.from(b); c.write('xxxx', b.readUInt32BE(0) + 4, 'latin1'); return c; }],
  ])('BAD_STREAM for %s', (_name, mangle) => {
    expect(() => parseInitSegment(mangle(init))).toThrow(expect.objectContaining({ code: 'BAD_STREAM' }));
  });
});
