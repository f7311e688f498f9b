/**
 * Layout of a `multipart/byteranges` body (RFC 9110 §14.6, framing from RFC 2046 §5.1.1).
 * Pure: it plans the framing bytes so the handler can send an exact Content-Length before the
 * first byte, then stream `head, file bytes, head, file bytes, …, tail`.
 *
 *   --B CRLF Content-Type: T CRLF Content-Range: bytes a-b/size CRLF CRLF <bytes>
 *   CRLF --B CRLF … <bytes> CRLF --B-- CRLF
 *
 * The CRLF before each delimiter belongs to the delimiter (RFC 2046), so part data is exact.
 */
import { randomBytes } from 'node:crypto';
import type { ByteRange } from './range.js';

export interface MultipartPart {
  /** Delimiter and part headers that precede this range's bytes. */
  head: Buffer;
  range: ByteRange;
}

export interface MultipartPlan {
  /** Value for the response Content-Type header. */
  contentType: string;
  parts: MultipartPart[];
  /** Closing delimiter. */
  tail: Buffer;
  /** Exact body length in bytes, for Content-Length. */
  length: number;
}

/**
 * A random boundary: 96 bits make it vanishingly unlikely to occur inside media bytes, which
 * RFC 2046 requires of a boundary without us scanning the file.
 */
export function newBoundary(): string {
  return randomBytes(12).toString('hex');
}

export function planMultipart(
  ranges: readonly ByteRange[],
  size: number,
  partContentType: string,
  boundary: string = newBoundary(),
): MultipartPlan {
  if (!/^[0-9A-Za-z'()+_,.\/:=?-]{1,70}$/.test(boundary)) {
    throw new TypeError(`planMultipart: invalid boundary ${JSON.stringify(boundary)}`);
  }
  let length = 0;
  const parts = ranges.map((range, i): MultipartPart => {
    const head = Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\n` +
        `Content-Type: ${partContentType}\r\n` +
        `Content-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
      'latin1',
    );
    length += head.length + (range.end - range.start + 1);
    return { head, range };
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}
