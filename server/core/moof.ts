/**
 * Reads the few facts the server needs from each Movie Fragment box (ISO/IEC 14496-12 §8.8):
 * per track, the decode time it starts at, its sample count and duration, and whether its first
 * sample is a sync sample (keyframe). This runs once per fragment on the hot path, so it walks the
 * bytes directly instead of building mp4box's full object tree for every fragment; the init segment,
 * read once per channel start, goes through mp4box (init-info.ts).
 */
export interface TrackFragmentInfo {
  trackId: number;
  /** tfdt baseMediaDecodeTime, in the track's timescale; null when the traf has no tfdt. */
  baseDecodeTime: number | null;
  sampleCount: number;
  /** Sum of sample durations in the track's timescale; null when durations come only from trex. */
  duration: number | null;
  /** Whether the first sample is a sync sample; null when its flags come only from trex. */
  firstSampleSync: boolean | null;
}

export interface MoofInfo {
  sequenceNumber: number;
  tracks: TrackFragmentInfo[];
}

/** sample_is_non_sync_sample (ISO/IEC 14496-12 §8.8.3.1, sample flags bit 16). */
const NON_SYNC = 0x0001_0000;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

/** Calls fn for each child box in [start, end). Stops at a truncated or malformed size. */
function eachChild(b: Uint8Array, v: DataView, start: number, end: number, fn: (type: string, body: number, boxEnd: number) => void): void {
  let at = start;
  while (at + 8 <= end) {
    const size = v.getUint32(at);
    if (size < 8 || at + size > end) return;
    fn(fourcc(b, at + 4), at + 8, at + size);
    at += size;
  }
}

function parseTraf(b: Uint8Array, v: DataView, start: number, end: number): TrackFragmentInfo {
  const info: TrackFragmentInfo = { trackId: 0, baseDecodeTime: null, sampleCount: 0, duration: 0, firstSampleSync: null };
  let defaultDuration: number | null = null;
  let defaultFlags: number | null = null;
  let sawFirstSample = false;
  // Every read is checked against its own box's end: a corrupt box must neither throw (RangeError)
  // nor read its neighbour's bytes as its own fields.
  eachChild(b, v, start, end, (type, p, boxEnd) => {
    if (type === 'tfhd' && p + 8 <= boxEnd) {
      const flags = v.getUint32(p) & 0xff_ffff;
      info.trackId = v.getUint32(p + 4);
      let q = p + 8;
      if (flags & 0x01) q += 8; // base_data_offset
      if (flags & 0x02) q += 4; // sample_description_index
      if (flags & 0x08) { if (q + 4 <= boxEnd) defaultDuration = v.getUint32(q); q += 4; }
      if (flags & 0x10) q += 4; // default_sample_size
      if (flags & 0x20 && q + 4 <= boxEnd) defaultFlags = v.getUint32(q);
    } else if (type === 'tfdt' && p + 8 <= boxEnd) {
      const version = v.getUint8(p);
      if (version === 1) { if (p + 12 <= boxEnd) info.baseDecodeTime = Number(v.getBigUint64(p + 4)); }
      else info.baseDecodeTime = v.getUint32(p + 4);
    } else if (type === 'trun' && p + 8 <= boxEnd) {
      const flags = v.getUint32(p) & 0xff_ffff;
      const count = v.getUint32(p + 4);
      let q = p + 8;
      if (flags & 0x001) q += 4; // data_offset
      let firstFlags: number | null = null;
      if (flags & 0x004) { if (q + 4 <= boxEnd) firstFlags = v.getUint32(q); q += 4; }
      const perSample = ((flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0));
      let duration = 0;
      // With no per-sample fields there is nothing to walk: a corrupt count of 2^32 must not spin.
      for (let i = 0; perSample > 0 && i < count && q + perSample <= boxEnd; i++) {
        let r = q;
        if (flags & 0x100) { duration += v.getUint32(r); r += 4; }
        if (flags & 0x200) r += 4;
        if (i === 0 && flags & 0x400 && firstFlags === null) firstFlags = v.getUint32(r);
        q += perSample;
      }
      if (!(flags & 0x100) && count > 0) {
        if (defaultDuration === null) info.duration = null;
        else duration = count * defaultDuration;
      }
      if (info.duration !== null) info.duration += duration;
      if (!sawFirstSample && count > 0) {
        sawFirstSample = true;
        const f = firstFlags ?? defaultFlags;
        info.firstSampleSync = f === null ? null : (f & NON_SYNC) === 0;
      }
      info.sampleCount += count;
    }
  });
  return info;
}

/** Parses a whole moof box (header included). Returns null when `bytes` is not a moof. */
export function parseMoof(bytes: Uint8Array): MoofInfo | null {
  if (bytes.length < 8 || fourcc(bytes, 4) !== 'moof') return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = Math.min(v.getUint32(0), bytes.length);
  const out: MoofInfo = { sequenceNumber: 0, tracks: [] };
  eachChild(bytes, v, 8, end, (type, p, boxEnd) => {
    if (type === 'mfhd' && p + 8 <= boxEnd) out.sequenceNumber = v.getUint32(p + 4);
    else if (type === 'traf') out.tracks.push(parseTraf(bytes, v, p, boxEnd));
  });
  return out;
}

/**
 * Whether a media message (any prft, then moof + mdat: what pushcast sends) starts with a
 * keyframe: the first sample of track 1 is a sync sample (ffmpeg maps video first; an audio-only
 * stream's every sample is one). False when there is no readable moof. Browser-safe.
 */
export function startsWithKeyframe(message: Uint8Array): boolean {
  const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
  for (let at = 0; at + 8 <= message.length;) {
    const size = v.getUint32(at);
    if (size < 8) return false;
    if (fourcc(message, at + 4) === 'moof') {
      const moof = parseMoof(message.subarray(at, Math.min(at + size, message.length)));
      return moof?.tracks.find((t) => t.trackId === 1)?.firstSampleSync === true;
    }
    at += size;
  }
  return false;
}
