/**
 * Tiny ISO-BMFF builders for tests (ISO/IEC 14496-12 §4.2): enough to write boxes by hand and read
 * the bytes back as hex. Not a test file itself; imported by the media tests.
 */

/** Bytes from a hex string; spaces and underscores are ignored so rows can group fields. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s_]/g, ''), 'hex');
}

/** Big-endian unsigned 32-bit fields. */
export function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** One big-endian unsigned 64-bit field. */
export function u64(value: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(value));
  return b;
}

/** A box with a 32-bit size: size(4) type(4) payload. */
export function box(type: string, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A box with size = 1 and a 64-bit largesize after the type: 16-byte header. */
export function largeBox(type: string, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1, 0);
  header.write(type, 4, 'latin1');
  header.writeBigUInt64BE(BigInt(16 + body.length), 8);
  return Buffer.concat([header, body]);
}

/** A FullBox: the payload starts with version(1) and flags(3). */
export function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]): Buffer {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xff_ffff)), ...payload);
}
