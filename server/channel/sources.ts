/**
 * What a channel plays. Each source knows how to turn itself into an ffmpeg source spec and a codec
 * plan, probing the input first where that decides between remux and transcode.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TranscodePolicy } from '../runtime/config.js';
import { planCodecs, type CodecPlan, type ProbeResult, type SourceSpec } from '../ffmpeg/args.js';
import type { ProbeOptions } from '../ffmpeg/probe.js';
import type { SourceKind } from '../core/protocol.js';
import { maskSecrets } from '../runtime/redact.js';
import { readsOtherFiles } from '../ffmpeg/containers.js';
import { ErrorCode, PushcastError } from '../core/errors.js';
import { ANALYZE_WINDOWS_US, directCodecs, initialStartPlan, nextStartPlan, type StartEvent } from './start-plan.js';

export interface PreparedSource {
  spec: SourceSpec;
  codecs: CodecPlan;
  /** Seconds, when the source has a known length. */
  duration: number | null;
}

export interface ChannelSource {
  kind: SourceKind;
  /** For the channel list; URL credentials removed. */
  display: string;
  /** `opts` reach the probe: its timeout, an abort signal (the channel's start deadline), the child set. */
  prepare(opts?: ProbeOptions): Promise<PreparedSource>;
  /**
   * What became of the last start (live sources learn how to start: start-plan.ts). True: the
   * run that sent this init must be replaced by a new start at once.
   */
  report?(event: StartEvent): boolean;
}

/**
 * Probes a URL or path; null when no ffprobe is available (we then transcode, which always works).
 * It must honour `opts` (ffmpeg/probe.ts createProber does): the timeout and the abort signal are
 * what keep a source that never answers from holding a probe forever.
 */
export type Prober = ((url: string, opts?: ProbeOptions) => Promise<ProbeResult>) | null;

/** Fonts tried for the test pattern's burned-in clock, in order (Debian's fonts-dejavu-core first). */
export const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf',
  '/System/Library/Fonts/Menlo.ttc',
];

export function findFont(candidates = FONT_CANDIDATES): string | null {
  return candidates.find((f) => existsSync(f)) ?? null;
}

export function testPatternSource(fontFile: string | null): ChannelSource {
  return {
    kind: 'test',
    display: 'test pattern',
    prepare: async () => ({ spec: { kind: 'test', fontFile }, codecs: { video: 'x264', audio: 'aac' }, duration: null }),
  };
}

export function fileSource(file: string, probe: Prober, policy: TranscodePolicy = 'auto'): ChannelSource {
  let cached: ProbeResult | null = null;
  return {
    kind: 'file',
    display: path.basename(file),
    prepare: async (opts) => {
      // A file does not change codecs between restarts; probe it once.
      if (probe && !cached) cached = await probe(file, opts);
      // A playlist or list of files would stream whatever it names, from anywhere on this machine.
      if (readsOtherFiles(cached?.container)) {
        throw new PushcastError(ErrorCode.BAD_SOURCE, `${path.basename(file)} is a ${cached?.container} file that names other files: not played`);
      }
      return { spec: { kind: 'file', path: file }, codecs: planCodecs(cached, policy), duration: cached?.duration ?? null };
    },
  };
}

export function liveSource(url: string, probe: Prober, policy: TranscodePolicy = 'auto'): ChannelSource {
  let plan = initialStartPlan(url, policy);
  return {
    kind: 'live',
    // No userinfo, and no secret-looking query parameter (?key=, ?token=…) either.
    display: maskSecrets(redactUrl(url)),
    prepare: async (opts) => {
      const analyzeUs = ANALYZE_WINDOWS_US[plan.level];
      // One ffmpeg, no probe: its init segment tells what came (start-plan.ts).
      if (plan.mode === 'direct' || !probe) {
        return { spec: { kind: 'live', url, paced: false, analyzeUs }, codecs: probe ? directCodecs(policy) : planCodecs(null, policy), duration: null };
      }
      // A live source may change what it sends between restarts: a probed start probes every time.
      const result = await probe(url, opts);
      const codecs = planCodecs(result, policy);
      plan = nextStartPlan(plan, { type: 'probed', codecs }, policy).state;
      return { spec: { kind: 'live', url, paced: result.duration != null, analyzeUs }, codecs, duration: null };
    },
    report: (event) => {
      const next = nextStartPlan(plan, event, policy);
      plan = next.state;
      return next.replan;
    },
  };
}

/**
 * Removes user:password from a URL for display and logs. The userinfo ends at the last '@' before
 * the path, query or fragment (RFC 3986 §3.2): people write unescaped '@' in passwords, and
 * stopping at the first one would show the rest of the password. An empty userinfo (ffmpeg's
 * `udp://@239.0.0.1:1234` listen syntax) holds no secret and stays as it is.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]+@/i, '$1***@');
}

/** True for anything with a URL scheme (rtsp://, udp://, http://…), except file:. */
export function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^file:/i.test(source);
}
