/**
 * Links to a moment, pure: which file a `/play/<path>` page plays, the `/play/…?t=` link of a file
 * channel ("watch alone from 1:30"), the `/watch/<id>?t=` link of "copy link at this moment", and
 * what a watch page opened with `?t=` does about it (`decideStartAt`).
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import type { Role } from '../player/player-events.js';
import { formatTParam } from './start-time.js';

export const PLAY_PREFIX = '/play/';
/** server/library/media-library.ts VOD_PREFIX: where the server serves media files. */
const VOD_PREFIX = '/vod/';

export interface PlayTarget {
  /** `/vod/…`, each segment percent-encoded the way the server writes it (encodeURIComponent). */
  vod: string;
  /** The path as a person reads it: `films/my clip.mp4`. */
  name: string;
}

/**
 * The file a `/play/<path>` address names, or null when it does not name one: an empty segment,
 * `.` or `..`, a slash, backslash or control character smuggled in percent-encoded, or a broken
 * escape. The server checks /vod/ paths itself (http/safe-path.ts); this keeps the page from even
 * asking for something that is not a plain path below the media folder.
 */
export function playTargetFromPath(pathname: string): PlayTarget | null {
  if (!pathname.startsWith(PLAY_PREFIX)) return null;
  const names: string[] = [];
  for (const segment of pathname.slice(PLAY_PREFIX.length).split('/')) {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f]/.test(name)) return null;
    names.push(name);
  }
  return { vod: VOD_PREFIX + names.map(encodeURIComponent).join('/'), name: names.join('/') };
}

/** `/play/<path>?t=90` for a channel's `vod` URL (`/vod/<path>`); null for anything else. */
export function playUrl(vod: string, sec: number): string | null {
  if (!vod.startsWith(VOD_PREFIX) || vod.length === VOD_PREFIX.length) return null;
  return `${PLAY_PREFIX}${vod.slice(VOD_PREFIX.length)}?t=${formatTParam(sec)}`;
}

/** `<origin>/watch/<id>?t=<whole seconds>`: the link "copy link at this moment" copies. */
export function momentUrl(origin: string, channelId: string, positionSec: number): string {
  return `${origin}/watch/${encodeURIComponent(channelId)}?t=${Math.max(0, Math.round(positionSec))}`;
}

/** The page's address without its `t` (query or hash), other parameters kept in order. */
export function addressWithoutStartTime(pathname: string, search: string, hash: string): string {
  const strip = (part: string, mark: '?' | '#'): string => {
    const params = new URLSearchParams(part.replace(/^[?#]/, ''));
    if (!params.has('t')) return part;
    params.delete('t');
    const rest = params.toString();
    return rest === '' ? '' : `${mark}${rest}`;
  };
  return `${pathname}${strip(search, '?')}${strip(hash, '#')}`;
}

export type StartAtAction =
  /** Not decidable yet: the channel or this page's role is not known. */
  | { kind: 'wait' }
  /** This page controls the channel: seek it there, for everyone. */
  | { kind: 'seek'; position: number }
  /** A viewer without control: offer to watch the file alone from there. */
  | { kind: 'offer'; href: string }
  /** Nothing to do (no `t`, a live channel, a file not served under /vod/). */
  | { kind: 'none' };

export interface StartAtInput {
  /** Seconds from the page's `t`, or null without one. */
  start: number | null;
  /** player.role: null until the server answered hello. */
  role: Role | null;
  /** player.channel: null until the first `state`. */
  info: Pick<ChannelInfo, 'kind' | 'control' | 'vod'> | null;
  /** The progressive fallback plays (no socket, so no role and no commands will come). */
  progressive: boolean;
}

/**
 * What a watch page opened with `?t=` does, decided once (the caller keeps the first answer other
 * than `wait`, so a reconnect does not seek again). A controller (token) or anyone on an
 * open-control channel seeks the shared channel; every other viewer is offered the file alone.
 */
export function decideStartAt({ start, role, info, progressive }: StartAtInput): StartAtAction {
  if (start === null) return { kind: 'none' };
  if (info === null) return { kind: 'wait' };
  if (info.kind !== 'file') return { kind: 'none' };
  const offer = (): StartAtAction => {
    const href = info.vod === null ? null : playUrl(info.vod, start);
    return href === null ? { kind: 'none' } : { kind: 'offer', href };
  };
  if (progressive) return offer();
  if (role === null) return { kind: 'wait' };
  if (role === 'controller' || info.control === 'open') return { kind: 'seek', position: start };
  return offer();
}

/** The part of navigator.clipboard used here (absent outside secure contexts). */
export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

/**
 * Copies `text`: 'copied' when the clipboard took it, 'fallback' when there is no clipboard or it
 * refused (permission, no user activation): the caller then shows the text to copy by hand.
 */
export async function copyText(text: string, clipboard: ClipboardLike | undefined): Promise<'copied' | 'fallback'> {
  if (clipboard === undefined) return 'fallback';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch (err) {
    console.warn('pushcast: clipboard refused the link', err);
    return 'fallback';
  }
}
