import { describe, expect, it } from 'vitest';
import { readErrorBody } from '../../../server/core/errors.js';
import type { ProbeResult } from '../../../server/ffmpeg/args.js';
import { finishResponse, judgeProbe, listEntry, sweepAction, sweepIntervalMs, type FinishOutcome } from '../../../server/upload/outcome.js';

const h264 = { codec: 'h264', profile: 'High', pixFmt: 'yuv420p' };
const probe = (p: Partial<ProbeResult>): ProbeResult => ({ video: h264, audio: { codec: 'aac' }, duration: 6, container: 'mov,mp4,m4a,3gp,3g2,mj2', ...p });

describe('judgeProbe: kept only when ffprobe finds a video with a duration', () => {
  it.each<[string, ProbeResult | null, unknown, boolean, RegExp | null]>([
    ['video + audio', probe({}), null, true, null],
    ['video only', probe({ audio: null }), null, true, null],
    ['a codec we would transcode', probe({ video: { codec: 'hevc', profile: 'Main', pixFmt: 'yuv420p10le' } }), null, true, null],
    ['sound only', probe({ video: null }), null, false, /sound but no video/],
    ['no streams', probe({ video: null, audio: null }), null, false, /no video stream/],
    ['a still image', probe({ audio: null, duration: null }), null, false, /no duration/],
    ['ffprobe failed', null, new Error('Invalid data found when processing input'), false, /cannot read it \(Invalid data/],
    ['no answer at all', null, null, false, /cannot read it/],
    ['matroska', probe({ container: 'matroska,webm' }), null, true, null],
    ['MPEG-TS', probe({ container: 'mpegts' }), null, true, null],
    ['an HLS playlist naming other files', probe({ container: 'hls' }), null, false, /hls file, which names other files/],
    ['a concat list', probe({ container: 'concat' }), null, false, /names other files/],
    ['an SDP', probe({ container: 'sdp' }), null, false, /names other files/],
    ['an image sequence', probe({ container: 'image2', duration: 4 }), null, false, /names other files/],
    ['a container not kept', probe({ container: 'gif' }), null, false, /container \(gif\)/],
    ['no container named', probe({ container: undefined }), null, false, /container \(unknown\)/],
  ])('%s', (_name, result, error, ok, why) => {
    const v = judgeProbe(result, error);
    expect(v.ok).toBe(ok);
    if (!v.ok) {
      expect(v.code).toBe('UPLOAD_NOT_VIDEO');
      expect(v.message).toMatch(why!);
    }
  });
});

describe('finishResponse: what the final PATCH answers', () => {
  it("an accepted upload: tus's own status (204, or 201 for a POST) with the outcome in headers", () => {
    const r = finishResponse({ kind: 'accepted', file: 'clip-2.mp4', channel: 'clip-2', vod: '/vod/clip-2.mp4' });
    expect(r).toEqual({ headers: { 'X-Pushcast-File': 'clip-2.mp4', 'X-Pushcast-Channel': 'clip-2', 'X-Pushcast-Vod': '/vod/clip-2.mp4' } });
  });

  it('an accepted file that did not become a channel has no channel header', () => {
    const r = finishResponse({ kind: 'accepted', file: 'a.mp4', channel: null, vod: '/vod/a.mp4' });
    expect(r.headers['X-Pushcast-Channel']).toBeUndefined();
  });

  it.each<[FinishOutcome, number, string]>([
    [{ kind: 'rejected', code: 'UPLOAD_NOT_VIDEO', message: 'not a video file: it has no video stream' }, 422, 'UPLOAD_NOT_VIDEO'],
    [{ kind: 'interrupted' }, 503, 'UPLOAD_UNAVAILABLE'],
    [{ kind: 'failed', message: 'ENOSPC' }, 500, 'INTERNAL'],
  ])('%j → %d with the JSON error body', (outcome, status, code) => {
    const r = finishResponse(outcome);
    expect(r.status_code).toBe(status);
    expect(r.headers['Content-Type']).toMatch(/^application\/json/);
    expect(readErrorBody(JSON.parse(r.body!))?.code).toBe(code);
  });
});

describe('sweepAction', () => {
  const DAY = 86_400_000;
  const now = 10 * DAY;
  it.each<[string, { size: number | null; createdMs: number | null; fileBytes: number | null }, number, string]>([
    ['young and partial', { size: 100, createdMs: now - 1000, fileBytes: 50 }, DAY, 'keep'],
    ['partial past its expiry', { size: 100, createdMs: now - DAY - 1, fileBytes: 50 }, DAY, 'expire'],
    ['exactly at its expiry', { size: 100, createdMs: now - DAY, fileBytes: 50 }, DAY, 'keep'],
    ['never expires with 0', { size: 100, createdMs: 0, fileBytes: 50 }, 0, 'keep'],
    ['deferred length, young', { size: null, createdMs: now, fileBytes: 500 }, DAY, 'keep'],
    ['no creation date', { size: 100, createdMs: null, fileBytes: 1 }, DAY, 'expire'],
    ['record without file', { size: 100, createdMs: now, fileBytes: null }, DAY, 'forget'],
    ['complete, never finished', { size: 100, createdMs: now, fileBytes: 100 }, DAY, 'finish'],
    ['complete and expired: every byte is there', { size: 100, createdMs: 0, fileBytes: 100 }, DAY, 'finish'],
    ['empty upload', { size: 0, createdMs: now, fileBytes: 0 }, DAY, 'finish'],
  ])('%s → %s', (_name, input, expiry, expected) => {
    expect(sweepAction(input, now, expiry)).toBe(expected);
  });

  it.each([
    [0, 600_000],
    [100, 250],
    [60_000, 15_000],
    [86_400_000, 600_000],
  ])('sweepIntervalMs(%d) = %d', (expiry, interval) => {
    expect(sweepIntervalMs(expiry)).toBe(interval);
  });
});

describe('listEntry', () => {
  it('lists the offset the file has, the name as sent and the expiry', () => {
    const e = listEntry({ id: 'a'.repeat(32), size: 1000, metadata: { filename: '../x.mp4', filetype: 'video/mp4' }, creation_date: '2026-01-02T03:04:05.000Z' }, 400, 3_600_000);
    expect(e).toEqual({ id: 'a'.repeat(32), filename: '../x.mp4', size: 1000, offset: 400, created: '2026-01-02T03:04:05.000Z', expires: '2026-01-02T04:04:05.000Z' });
  });

  it('copes with no name, a deferred size, no expiry and a long name', () => {
    expect(listEntry({ id: 'b', creation_date: 'garbage' }, 0, 0)).toEqual({ id: 'b', filename: null, size: null, offset: 0, created: null, expires: null });
    expect(listEntry({ id: 'c', metadata: { filename: 'x'.repeat(1000) } }, 0, 0).filename).toHaveLength(255);
  });
});
