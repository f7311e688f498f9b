/**
 * Where the top-level ISO BMFF boxes of a file sit (ISO/IEC 14496-12 §4.2), read header by header
 * so a 10 GB file costs a few dozen 16-byte reads. The question it answers: does `moov` (the index)
 * come before `mdat` (the samples)? A browser playing over HTTP needs the index first; with moov at
 * the end it must fetch the tail before the first frame, and some players give up.
 *
 * `parseBoxHeader` and `classifyLayout` are pure; `scanTopLevelBoxes` is the I/O shell.
 */
import type { FileHandle } from 'node:fs/promises';

export interface BoxHeader {
  /** Four-character code, e.g. `moov`. */
  type: string;
  /** Offset of the box's first byte in the file. */
  start: number;
  /** Whole box length including its header, in bytes. */
  size: number;
}

export type HeaderResult =
  | { ok: true; box: BoxHeader }
  | { ok: false; reason: 'short-read' | 'bad-type' | 'bad-size' | 'beyond-eof' | 'too-large' };

/** Bytes to read per header: size(4) + type(4) + largesize(8). */
export const MAX_HEADER_BYTES = 16;

/** Box types are four printable ASCII characters (§4.2 uses them as 32-bit codes, in practice text). */
const FOURCC = /^[\x20-\x7e]{4}$/;

/**
 * Parses the header at `start` from `bytes` (read at that offset, up to 16 bytes).
 * size 1 means a 64-bit largesize follows; size 0 means "to the end of the file" (§4.2).
 * A 64-bit size beyond Number.MAX_SAFE_INTEGER is refused, never rounded.
 */
export function parseBoxHeader(bytes: Uint8Array, start: number, fileSize: number): HeaderResult {
  if (bytes.length < 8) return { ok: false, reason: 'short-read' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size32 = view.getUint32(0);
  const type = String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!);
  if (!FOURCC.test(type)) return { ok: false, reason: 'bad-type' };
  let size: number;
  let headerSize = 8;
  if (size32 === 1) {
    if (bytes.length < 16) return { ok: false, reason: 'short-read' };
    const large = view.getBigUint64(8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'too-large' };
    size = Number(large);
    headerSize = 16;
  } else if (size32 === 0) {
    size = fileSize - start;
  } else {
    size = size32;
  }
  if (size < headerSize) return { ok: false, reason: 'bad-size' };
  if (start + size > fileSize) return { ok: false, reason: 'beyond-eof' };
  return { ok: true, box: { type, start, size } };
}

export type HeaderFailure = Extract<HeaderResult, { ok: false }>['reason'];

export interface Layout {
  /** `ftyp` first: this is an ISO BMFF file (MP4, M4A, MOV with a ftyp, fMP4 …). */
  iso: boolean;
  ftyp: BoxHeader | undefined;
  moov: BoxHeader | undefined;
  /** `moov` before the first `mdat`, or no `mdat` at all; undefined when there is no moov. */
  faststart: boolean | undefined;
  /** Has `moof` boxes: fragmented MP4, whose moov is always first by construction. */
  fragmented: boolean;
  /** Why the walk stopped early, if it did (a truncated recording is common). */
  damaged: HeaderFailure | undefined;
}

/** Pure: the layout facts from the headers found, in file order. */
export function classifyLayout(boxes: readonly BoxHeader[], damaged?: HeaderFailure): Layout {
  const first = boxes[0];
  const iso = first !== undefined && first.type === 'ftyp';
  const ftyp = boxes.find((b) => b.type === 'ftyp');
  const moovIndex = boxes.findIndex((b) => b.type === 'moov');
  const mdatIndex = boxes.findIndex((b) => b.type === 'mdat');
  const moov = moovIndex === -1 ? undefined : boxes[moovIndex];
  const faststart = moov === undefined ? undefined : mdatIndex === -1 || moovIndex < mdatIndex;
  return { iso, ftyp, moov, faststart, fragmented: boxes.some((b) => b.type === 'moof'), damaged };
}

/** Stop after this many boxes: a fragmented file has thousands of moof/mdat pairs, and by then
 * moov (always first there) has long been found. */
const MAX_BOXES = 256;

/** Walks the top-level boxes of an open file of `size` bytes. Never reads box payloads. */
export async function scanTopLevelBoxes(handle: FileHandle, size: number): Promise<Layout> {
  const boxes: BoxHeader[] = [];
  const buf = Buffer.alloc(MAX_HEADER_BYTES);
  let pos = 0;
  while (pos < size && boxes.length < MAX_BOXES) {
    const { bytesRead } = await handle.read(buf, 0, MAX_HEADER_BYTES, pos);
    const parsed = parseBoxHeader(buf.subarray(0, bytesRead), pos, size);
    if (!parsed.ok) return classifyLayout(boxes, parsed.reason);
    boxes.push(parsed.box);
    if (parsed.box.type === 'moof') break; // fragmented: nothing more to learn
    // Not an ISO file at all: stop after one "box" rather than walking random bytes.
    if (boxes.length === 1 && parsed.box.type !== 'ftyp') break;
    pos += parsed.box.size;
  }
  return classifyLayout(boxes);
}
