/**
 * Memoized media facts (per file version) and the /api/media entry built from them.
 *
 * Facts are keyed by real path + strong ETag, so a changed file is inspected again and an
 * unchanged one never twice; concurrent lookups share one promise (one ffprobe per file version).
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import { makeStrongEtag } from '../http/etag.js';
import { contentTypeFor } from '../http/mime.js';
import type { DerivedCache } from './derived-cache.js';
import { durationOf, inspectMedia } from './media-info.js';
import type { MediaInfo } from './media-info.js';
import type { ListedFile } from '../library/media-library.js';
import { planPlayback } from './playback.js';
import type { PlaybackPlan, Variant } from './playback.js';

export interface Described {
  info: MediaInfo;
  plan: PlaybackPlan;
}

/** Entries kept; the oldest is dropped beyond this (a media folder rarely holds more). */
const MAX_ENTRIES = 2000;

export class InfoCache {
  private readonly entries = new Map<string, Promise<Described>>();

  constructor(private readonly ffprobePath: string | null) {}

  /** `withProbe: false` is the cheap box walk; a probed entry also answers it. */
  get(absPath: string, stat: Stats, withProbe: boolean): Promise<Described> {
    const base = `${absPath}\0${makeStrongEtag(stat)}`;
    const probed = this.entries.get(`${base}\0probe`);
    if (probed) return probed;
    const key = `${base}\0${withProbe ? 'probe' : 'boxes'}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = inspectMedia(absPath, { ffprobePath: this.ffprobePath, withProbe }).then((info) => ({
        info,
        plan: planPlayback({
          ext: path.extname(absPath).slice(1).toLowerCase(),
          iso: info.layout.iso,
          faststart: info.layout.faststart,
          probe: info.probe,
        }),
      }));
      // A failed inspection (file vanished, EIO) must not be remembered.
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
      if (this.entries.size > MAX_ENTRIES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return entry;
  }
}

export interface MediaEntry {
  path: string;
  url: string;
  size: number;
  lastModified: string;
  contentType: string;
  /** Seconds, or null when unknown. */
  duration: number | null;
  codecs: {
    video: string | null;
    audio: string | null;
    /** `video/mp4; codecs="…"` from the MP4 movie header, for MediaSource.isTypeSupported. */
    mime: string | null;
  };
  /** moov before mdat; null for files that are not ISO BMFF. */
  faststart: boolean | null;
  /** The original plays progressively in a browser as it is. */
  progressive: boolean;
  /** The best URL for a browser <video>, or null when nothing playable can be offered. */
  playback: {
    url: string;
    variant: Variant;
    state: 'ready' | 'pending' | 'failed' | 'absent';
    /** While a copy is made: 0–1 and the seconds still to go (null: not told yet). */
    progress: { fraction: number; etaSec: number | null } | null;
    error: { code: string; message: string } | null;
  } | null;
}

/** Which variant a browser should use: the original when it plays as is, else the MP4 copy. */
function bestVariant(plan: PlaybackPlan): Variant | null {
  if (plan.progressive) return 'original';
  return plan.mp4;
}

export async function describeFile(file: ListedFile, infos: InfoCache, cache: DerivedCache): Promise<MediaEntry> {
  const { info, plan } = await infos.get(file.path, file.stat, true);
  const url = file.url;
  const probe = typeof info.probe === 'object' && info.probe !== null ? info.probe : null;
  const best = bestVariant(plan);
  let playback: MediaEntry['playback'] = null;
  if (best === 'original') {
    playback = { url, variant: best, state: 'ready', progress: null, error: null };
  } else if (best !== null) {
    const state = await cache.peek({ source: file.path, sourceEtag: makeStrongEtag(file.stat), kind: best, codecs: plan.codecs });
    playback = {
      // A faststart copy replaces the original at its own URL; the others live at ?format=mp4.
      url: best === 'faststart' ? url : `${url}?format=mp4`,
      variant: best,
      state: state.state,
      progress: state.state === 'pending' ? state.progress ?? null : null,
      error: state.state === 'failed' ? { code: state.code, message: `${state.message} ${state.stderrTail}`.trim() } : null,
    };
  }
  return {
    path: file.rel,
    url,
    size: file.stat.size,
    lastModified: new Date(file.stat.mtimeMs).toISOString(),
    contentType: contentTypeFor(file.path),
    duration: durationOf(info),
    codecs: { video: probe?.video?.codec ?? null, audio: probe?.audio?.codec ?? null, mime: info.mp4?.mime ?? null },
    faststart: info.layout.iso ? (info.layout.faststart ?? null) : null,
    progressive: plan.progressive,
    playback,
  };
}
