/**
 * Incremental ISO-BMFF box splitter: feed it arbitrary pipe chunks, get whole top-level boxes.
 * Correct across any chunk boundary, including one inside an 8- or 16-byte box header.
 * It copies each box once (into one Buffer) and never re-scans bytes it has already consumed.
 */
import { ErrorCode, PushcastError } from '../core/errors.js';

export interface Mp4Box {
  /** Four-character code, e.g. 'moof'. */
  type: string;
  /** The whole box, header included. */
  data: Buffer;
}

/** Refuse boxes larger than this (bytes): a corrupt size must not make us buffer without bound. */
export const DEFAULT_MAX_BOX_BYTES = 64 * 1024 * 1024;

export class BoxSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the box at the head of the buffer once its header has been read; null before. */
  private headSize: number | null = null;
  private readonly maxBoxBytes: number;

  constructor(maxBoxBytes = DEFAULT_MAX_BOX_BYTES) {
    this.maxBoxBytes = maxBoxBytes;
  }

  /** Bytes held that do not yet form a whole box. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Mp4Box[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const boxes: Mp4Box[] = [];
    for (;;) {
      // The header is read once per box: re-reading it on every push would make a large box that
      // arrives in many small chunks cost O(chunks²).
      this.headSize ??= this.nextBoxSize();
      const size = this.headSize;
      if (size === null || size > this.buffered) break;
      const data = this.take(size);
      this.headSize = null;
      boxes.push({ type: data.toString('latin1', 4, 8), data });
    }
    return boxes;
  }

  /** The size of the box at the head of the buffer, or null until its header is complete. */
  private nextBoxSize(): number | null {
    if (this.buffered < 8) return null;
    const head = this.peek(Math.min(16, this.buffered));
    const size32 = head.readUInt32BE(0);
    let size: number;
    if (size32 === 1) {
      // 64-bit "largesize" follows the type (ISO/IEC 14496-12 §4.2).
      if (head.length < 16) return null;
      const big = head.readBigUInt64BE(8);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw this.bad(`box size ${big} is out of range`);
      size = Number(big);
      if (size < 16) throw this.bad(`64-bit box size ${size} is smaller than its header`);
    } else if (size32 === 0) {
      // "extends to end of file" cannot be framed on an endless pipe.
      throw this.bad(`box "${head.toString('latin1', 4, 8)}" has size 0 (to end of file), which a stream cannot frame`);
    } else {
      size = size32;
      if (size < 8) throw this.bad(`box size ${size} is smaller than its header`);
    }
    if (size > this.maxBoxBytes) throw this.bad(`box "${head.toString('latin1', 4, 8)}" of ${size} bytes exceeds the ${this.maxBoxBytes}-byte limit`);
    return size;
  }

  /** The first n buffered bytes, without consuming them (copies only when they span chunks). */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    // Copy from the few chunks that hold the n bytes (Buffer.concat would walk the whole list).
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(out, filled, 0, Math.min(c.length, n - filled));
      if (filled === n) break;
    }
    return out;
  }

  /** Removes and returns the first n bytes as one Buffer. */
  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length === n) {
      out = first;
      this.chunks.shift();
    } else if (first.length > n) {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      let used = 0; // whole chunks consumed; removed with one splice (a shift per chunk is O(chunks²))
      while (filled < n) {
        const c = this.chunks[used] as Buffer;
        const want = n - filled;
        if (c.length <= want) {
          c.copy(out, filled);
          filled += c.length;
          used++;
        } else {
          c.copy(out, filled, 0, want);
          this.chunks[used] = c.subarray(want);
          filled += want;
        }
      }
      this.chunks.splice(0, used);
    }
    this.buffered -= n;
    return out;
  }

  private bad(message: string): PushcastError {
    return new PushcastError(ErrorCode.BAD_STREAM, message);
  }
}
