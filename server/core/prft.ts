/**
 * Producer Reference Time box (ISO/IEC 14496-12 §8.16.5): maps a media time to the wall clock
 * at which ffmpeg wrote the fragment (`-write_prft wallclock`). Browser-safe: plain Uint8Array.
 */
export interface ProducerReferenceTime {
  trackId: number;
  /** Wall clock, ms since the Unix epoch (converted from NTP). */
  wallClockMs: number;
  /** Media time in the track's timescale. */
  mediaTime: number;
}

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** Converts a 64-bit NTP timestamp (32.32 fixed point) to Unix ms. */
export function ntpToUnixMs(seconds: number, fraction: number): number {
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 2 ** 32) * 1000;
}

/**
 * Reads a prft box that starts at `offset` of `bytes`; null when there is none or it is malformed.
 * Media fragments from the server start with it, so clients call this at offset 0.
 */
export function readPrft(bytes: Uint8Array, offset = 0): ProducerReferenceTime | null {
  if (bytes.length - offset < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const size = view.getUint32(0);
  const type = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!);
  if (type !== 'prft') return null;
  const version = view.getUint8(8);
  // Only versions 0 and 1 are defined; another version's layout is unknown, so its fields cannot be trusted.
  if (version > 1) return null;
  const need = version === 1 ? 32 : 28;
  if (size < need || size > view.byteLength) return null;
  const trackId = view.getUint32(12);
  const wallClockMs = ntpToUnixMs(view.getUint32(16), view.getUint32(20));
  const mediaTime = version === 1 ? Number(view.getBigUint64(24)) : view.getUint32(24);
  return { trackId, wallClockMs, mediaTime };
}
