import { describe, expect, it } from 'vitest';
import { newBoundary, planMultipart } from '../../../server/http/multipart.js';

const FILE = Buffer.from('123456789');

/** Builds the body the way vod.ts streams it. */
function render(plan: ReturnType<typeof planMultipart>): Buffer {
  const chunks: Buffer[] = [];
  for (const p of plan.parts) chunks.push(p.head, FILE.subarray(p.range.start, p.range.end + 1));
  chunks.push(plan.tail);
  return Buffer.concat(chunks);
}

describe('planMultipart (RFC 9110 §14.6)', () => {
  it('frames two ranges exactly, with an exact length', () => {
    const plan = planMultipart([{ start: 0, end: 1 }, { start: 4, end: 6 }], 9, 'video/mp4', 'BOUND');
    expect(plan.contentType).toBe('multipart/byteranges; boundary=BOUND');
    const body = render(plan);
    expect(body.toString('latin1')).toBe(
      '--BOUND\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-1/9\r\n\r\n12' +
        '\r\n--BOUND\r\nContent-Type: video/mp4\r\nContent-Range: bytes 4-6/9\r\n\r\n567' +
        '\r\n--BOUND--\r\n',
    );
    expect(plan.length).toBe(body.length);
  });

  it.each([[[{ start: 0, end: 0 }]], [[{ start: 8, end: 8 }, { start: 0, end: 7 }]], [[{ start: 1, end: 2 }, { start: 4, end: 4 }, { start: 6, end: 8 }]]])(
    'length matches the rendered body for %j',
    (ranges) => {
      const plan = planMultipart(ranges, 9, 'application/octet-stream');
      expect(plan.length).toBe(render(plan).length);
    },
  );

  it.each(['', 'a b', 'x'.repeat(71), 'semi;colon', 'crlf\r\n'])('refuses boundary %j', (b) => {
    expect(() => planMultipart([{ start: 0, end: 0 }], 9, 'video/mp4', b)).toThrow(TypeError);
  });

  it('makes distinct valid boundaries', () => {
    const a = newBoundary();
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(newBoundary()).not.toBe(a);
  });
});
