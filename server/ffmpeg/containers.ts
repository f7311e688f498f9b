/**
 * Which container formats (ffprobe's `format_name`, a comma list such as "mov,mp4,m4a,3gp,3g2,mj2")
 * pushcast treats as a media file. ffmpeg picks the demuxer from the content, not the name, and some
 * demuxers read other files or URLs named inside the file: an HLS playlist, a concat list, a DASH
 * manifest, an SDP. Such a file in the media folder (an upload named clip.mp4 holding
 * `#EXTM3U … /home/…/private.ts`) would make a channel stream files from anywhere on the machine.
 * Pure.
 */

/** Demuxers that open what the file names. */
const REFERENCE_FORMATS = new Set(['hls', 'applehttp', 'concat', 'dash', 'webm_dash_manifest', 'imf', 'sdp', 'rtsp', 'ffmetadata', 'image2', 'tee']);

/** Containers an upload may be: self-contained audio/video files. */
const UPLOAD_CONTAINERS = new Set(['mov', 'mp4', 'matroska', 'webm', 'mpegts', 'avi', 'flv', 'ogg', 'mpeg', 'asf', 'mxf']);

function names(container: string | null | undefined): string[] {
  return (container ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/** True when the container's demuxer reads other files or URLs (never played as a file). */
export function readsOtherFiles(container: string | null | undefined): boolean {
  return names(container).some((n) => REFERENCE_FORMATS.has(n));
}

/** True when an uploaded file's container is one pushcast keeps (unknown: no). */
export function isUploadContainer(container: string | null | undefined): boolean {
  const list = names(container);
  return list.length > 0 && !readsOtherFiles(container) && list.some((n) => UPLOAD_CONTAINERS.has(n));
}
