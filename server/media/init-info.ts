/**
 * Reads an init segment (ftyp+moov) with mp4box: the RFC 6381 codec strings for the MSE MIME type,
 * each track's timescale, and the duration where the moov states one.
 */
import * as MP4Box from 'mp4box';
import { ErrorCode, PushcastError } from '../core/errors.js';

export interface InitTrack {
  id: number;
  type: 'video' | 'audio' | 'other';
  /** RFC 6381 codec string, e.g. avc1.64001f or mp4a.40.2. */
  codec: string;
  timescale: number;
  width?: number;
  height?: number;
}

export interface InitInfo {
  /** Exactly what to pass to `MediaSource.addSourceBuffer`. */
  mime: string;
  codecs: string[];
  tracks: InitTrack[];
  /** Seconds; null when the moov says 0 (fragmented live output). */
  duration: number | null;
  /** The first video track: its fragments decide where keyframes are. */
  videoTrackId: number | null;
}

MP4Box.Log.setLogLevel(MP4Box.Log.error);

export function parseInitSegment(init: Uint8Array): InitInfo {
  const file = MP4Box.createFile();
  let info: MP4Box.Movie | undefined;
  let failure: string | undefined;
  file.onReady = (i) => { info = i; };
  file.onError = (module, message) => { failure = `${module}: ${message}`; };
  // mp4box wants an ArrayBuffer tagged with its position in the file.
  const copy = new Uint8Array(init).buffer as ArrayBuffer;
  const buffer = MP4Box.MP4BoxBuffer.fromArrayBuffer(copy, 0);
  file.appendBuffer(buffer);
  file.flush();
  if (!info) throw new PushcastError(ErrorCode.BAD_STREAM, `init segment could not be read${failure ? ` (${failure})` : ''}`);

  const tracks: InitTrack[] = info.tracks.map((t) => {
    const type = t.video ? 'video' : t.audio ? 'audio' : 'other';
    const track: InitTrack = { id: t.id, type, codec: t.codec, timescale: t.timescale };
    if (t.video) {
      track.width = t.video.width;
      track.height = t.video.height;
    }
    return track;
  });
  const media = tracks.filter((t) => t.type !== 'other');
  if (media.length === 0) throw new PushcastError(ErrorCode.BAD_STREAM, 'init segment has no audio or video track');
  const codecs = media.map((t) => t.codec);
  const hasVideo = media.some((t) => t.type === 'video');
  const duration = info.duration > 0 && info.timescale > 0 ? info.duration / info.timescale : null;
  return {
    mime: `${hasVideo ? 'video' : 'audio'}/mp4; codecs="${codecs.join(',')}"`,
    codecs,
    tracks,
    duration,
    videoTrackId: media.find((t) => t.type === 'video')?.id ?? null,
  };
}
