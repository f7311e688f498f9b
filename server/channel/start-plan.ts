/**
 * How a live source starts (issue 12, cold start). A first viewer of an idle UDP or SRT channel
 * used to wait 6–7 s: ffprobe studied the stream for 2.5 s to choose between remux and transcode,
 * then ffmpeg studied it for another 2.5 s. Most live sources (cameras, encoders, OBS) send H.264
 * and AAC, which need no decision, so the first start goes `direct`: one ffmpeg, stream copy, a
 * 1.25 s analysis window, and the init segment it writes says what came. Pure: the source asks
 * `initialStartPlan` once, then feeds back what each start did (`nextStartPlan`); tests drive it as
 * a table.
 *
 *   direct ──init with a codec MSE cannot play (HEVC, 10-bit/4:2:2 H.264, MP2, AC-3…)──▶ probe
 *   direct ──ffmpeg found no picture size (the window closed before the first keyframe)──▶
 *            direct, with the next longer window
 *   direct ──start ended without media otherwise (a codec copy cannot carry, a source not up
 *            yet)──▶ probe, with the next longer window
 *   probe  ──media, and the probe had planned exactly what direct plans──▶ direct
 * The window only grows (1.25 → 2.5 → 5 s): a source whose keyframes are 2 s apart settles on 2.5 s.
 * `probe` is the old path: ffprobe, then planCodecs. Only schemes that are live by nature start
 * direct; an http(s) URL may be a file that must be paced, or a playlist, and is always probed.
 */
import type { TranscodePolicy } from '../runtime/config.js';
import { playableInMse, urlScheme, type CodecPlan } from '../ffmpeg/args.js';

/**
 * ffmpeg -analyzeduration per level, µs. ffmpeg ends its analysis at the window even when it has
 * not seen a keyframe (the SPS) yet, and a copy without it fails: 1 s against a 1 s GOP failed
 * about one start in ten (a start just after a keyframe), so the first window is 1.25 s.
 */
export const ANALYZE_WINDOWS_US: readonly number[] = [1_250_000, 2_500_000, 5_000_000];

/** Schemes whose sources are always live streams (no length, nothing to pace). */
const DIRECT_SCHEMES: ReadonlySet<string> = new Set(['udp', 'rtp', 'srt', 'rtmp', 'rtmps', 'rtsp', 'rtsps']);

export interface StartPlanState {
  mode: 'direct' | 'probe';
  /** Index into ANALYZE_WINDOWS_US. */
  level: number;
  /** The last probe planned what a direct start would: after it works, go direct again. */
  probeAgrees: boolean;
  /** The scheme is live by nature (DIRECT_SCHEMES); others are probed every time. */
  directAllowed: boolean;
}

export type StartEvent =
  | { type: 'init'; codecs: readonly string[] }
  | { type: 'media' }
  /** The start ended without media; `reason` is ffmpeg's own account (its stderr tail). */
  | { type: 'failed'; reason?: string }
  | { type: 'probed'; codecs: CodecPlan };

/** Codecs of a direct start: what we copy, or (transcode 'always') what we make. */
export function directCodecs(policy: TranscodePolicy): CodecPlan {
  return policy === 'always' ? { video: 'x264', audio: 'aac' } : { video: 'copy', audio: 'copy-aac' };
}

export function initialStartPlan(url: string, policy: TranscodePolicy): StartPlanState {
  const directAllowed = DIRECT_SCHEMES.has(urlScheme(url));
  return { mode: directAllowed ? 'direct' : 'probe', level: 0, probeAgrees: false, directAllowed };
}

/** What ffmpeg says when a copy starts without the stream's parameters (the analysis ended first). */
const WINDOW_TOO_SHORT = /dimensions not set|incorrect codec parameters|could not find codec parameters/i;

const sameCodecs = (a: CodecPlan, b: CodecPlan): boolean => a.video === b.video && a.audio === b.audio;

/**
 * The state after `event`, and whether the run that produced it must be replaced now (a direct
 * start whose init the browser cannot play, under 'auto').
 */
export function nextStartPlan(state: StartPlanState, event: StartEvent, policy: TranscodePolicy): { state: StartPlanState; replan: boolean } {
  const last = ANALYZE_WINDOWS_US.length - 1;
  switch (event.type) {
    case 'init': {
      const unplayable = state.mode === 'direct' && policy === 'auto' && !event.codecs.every(playableInMse);
      return unplayable ? { state: { ...state, mode: 'probe', probeAgrees: false }, replan: true } : { state, replan: false };
    }
    case 'failed': {
      // The window closed before the first keyframe (no SPS, so no picture size for the copy):
      // the source is fine, it only needs a longer look; anything else is a question for ffprobe.
      const tooShort = state.mode === 'direct' && state.level < last && WINDOW_TOO_SHORT.test(event.reason ?? '');
      return { state: { ...state, mode: tooShort ? 'direct' : 'probe', level: Math.min(last, state.level + 1), probeAgrees: false }, replan: false };
    }
    case 'probed':
      return { state: { ...state, probeAgrees: sameCodecs(event.codecs, directCodecs(policy)) }, replan: false };
    case 'media':
      return { state: state.mode === 'probe' && state.probeAgrees && state.directAllowed ? { ...state, mode: 'direct' } : state, replan: false };
  }
}
