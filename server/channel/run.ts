/**
 * One ffmpeg run of a channel and the launch generation that spawned it. The channel compares a
 * run's events against the run it holds now: events of a replaced run (a seek's, a stale launch's)
 * are dropped. The process comes from a factory, the real Fragmenter unless a test injects a fake.
 */
import { Fragmenter, type FfmpegRun, type FragmenterEvents, type FragmenterOptions } from '../ffmpeg/fragmenter.js';
import type { Logger } from '../runtime/log.js';
import { maskSecrets } from '../runtime/redact.js';
import type { StartEvent } from './start-plan.js';

export type RunFactory = (opts: FragmenterOptions) => FfmpegRun;

export const spawnFragmenter: RunFactory = (opts) => new Fragmenter(opts);

export interface Run {
  readonly generation: number;
  readonly ffmpeg: FfmpegRun;
  /** The run has delivered a media fragment (what makes a start a success). */
  hasMedia: boolean;
}

type Handlers = { [K in keyof FragmenterEvents]: (run: Run, ...args: FragmenterEvents[K]) => void } & {
  /** The source answered the init with "start again" (start-plan.ts): the run is not to be used. */
  replan(run: Run): void;
};

/** Who learns from how the run started (a live source's start plan: channel/start-plan.ts). */
export interface StartFeedback {
  report?(event: StartEvent): boolean;
}

/**
 * Creates generation `generation`'s run (the caller holds it, then starts it); its events go to `on`
 * with the run, and how it started (its init's codecs, its first media, or an end without any) to
 * `feedback`.
 */
export function startRun(create: RunFactory, opts: FragmenterOptions, generation: number, on: Handlers, log: Logger, feedback: StartFeedback = {}): Run {
  const ffmpeg = create(opts);
  const run: Run = { generation, ffmpeg, hasMedia: false };
  let logged = false;
  let media = false;
  ffmpeg.on('init', (init) => {
    if (!logged) log.debug('ffmpeg command', { channel: opts.owner, generation, command: maskSecrets(ffmpeg.commandLine ?? '') });
    logged = true;
    if (feedback.report?.({ type: 'init', codecs: init.codecs })) on.replan(run);
    else on.init(run, init);
  });
  ffmpeg.on('fragment', (f) => {
    if (!media) feedback.report?.({ type: 'media' });
    media = true;
    on.fragment(run, f);
  });
  ffmpeg.on('exit', (exit) => {
    if (!exit.requested && exit.fragments === 0) feedback.report?.({ type: 'failed', ...(exit.error ? { reason: exit.error.message } : {}) });
    on.exit(run, exit);
  });
  return run;
}
