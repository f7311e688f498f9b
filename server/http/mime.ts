/**
 * Content-Type by file extension for the media we serve. A fixed table rather than sniffing:
 * browsers pick a decoder from this value (MSE `isTypeSupported`, <video> source), and serving
 * unknown files as application/octet-stream (with nosniff set by the handler) keeps them inert.
 */
import path from 'node:path';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  m4s: 'video/mp4', // fMP4 media segments (ISO BMFF), same type as the init segment
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  ts: 'video/mp2t',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  flv: 'video/x-flv',
  ogv: 'video/ogg',
  aac: 'audio/aac', // raw ADTS stream
  flac: 'audio/flac',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  // .opus files are Ogg-encapsulated; RFC 7845 §9 says to use audio/ogg for them
  // (audio/opus names the RTP payload format, RFC 7587).
  opus: 'audio/ogg',
  vtt: 'text/vtt', // WebVTT is always UTF-8 (no charset parameter needed)
  json: 'application/json',
};

/** The Content-Type for a file path, case-insensitive on the extension. */
export function contentTypeFor(filePath: string): string {
  const ext = path.extname(filePath).slice(1).toLowerCase();
  return (Object.hasOwn(TYPES, ext) ? TYPES[ext] : undefined) ?? DEFAULT_CONTENT_TYPE;
}
