/**
 * A channel's supervision as one explicit state machine: a pure reducer (state + event → next
 * state + one effect) that channel.ts drives and applies. No timers, no I/O: the table-driven
 * tests in test/server/channel-supervisor.test.ts cover every transition in milliseconds.
 *
 *   idle ──start──▶ starting ──media──▶ running
 *   starting|running ──failed──▶ retrying (backoff) ──retryDue──▶ starting
 *                              ╰▶ error (after maxStartAttempts failures in a row; retries every errorRetryMs)
 *   starting|running ──stop──▶ stopping ──stopped──▶ idle (or starting when someone wants it again)
 *   retrying|error ──retryDue while nobody wants the channel──▶ idle
 *
 * `attempt` counts failed starts in a row and drops to 0 once a run produced media. A run that
 * ends without a single media fragment is a failed start, whatever ffmpeg's exit status: that is
 * what kept a truncated MP4 (ffmpeg exits 0, no fragment) restarting dozens of times a second.
 * Every restart after a failure waits for the backoff; only a file's next loop after a run that
 * produced media continues at once (classifyExit).
 */
import type { ChannelStatus } from '../core/protocol.js';

export interface SupervisionPolicy {
  /** First retry delay, ms; doubles per failed start in a row up to restartMaxMs. */
  restartMinMs: number;
  restartMaxMs: number;
  /** Failed starts in a row before `retrying` becomes `error`. */
  maxStartAttempts: number;
  /** Retry interval while in `error`, ms. */
  errorRetryMs: number;
}

export interface Supervision {
  status: ChannelStatus;
  /** Failed starts in a row; 0 once a run produced media. */
  attempt: number;
  /** Server clock (ms) of the next start attempt while retrying / error, else null. */
  nextRetryAt: number | null;
  /** The last start failed for want of an ffmpeg slot (BUSY): a freed slot starts it at once. */
  waitingForSlot: boolean;
}

export type SupervisionEvent =
  /** Someone wants the channel (a viewer joined, keep-alive at boot). Starts it only from idle. */
  | { type: 'start' }
  /** The current run delivered its first media fragment. */
  | { type: 'media' }
  /**
   * The start or the run failed: probe error or timeout, ffmpeg exit with an error or a stall, a
   * clean exit without media, a live source that ended. `busy`: no ffmpeg slot was free; that says
   * nothing about the source, so it does not count as a failed attempt.
   */
  | { type: 'failed'; busy?: boolean }
  /** The backoff timer fired. */
  | { type: 'retryDue' }
  /** An ffmpeg slot was freed. */
  | { type: 'slotFree' }
  /** Nobody wants the channel any more: its ffmpeg is being stopped. */
  | { type: 'stop' }
  /** ffmpeg ended as asked, or a start gave up because nobody wanted it any more. */
  | { type: 'stopped' };

export interface SupervisionContext {
  now: number;
  /** The channel has viewers or is keep-alive (and is not closed). */
  wanted: boolean;
}

export type SupervisionEffect =
  | { kind: 'none' }
  /** Begin a start: probe the source and spawn ffmpeg. */
  | { kind: 'launch' }
  /** Arm the retry timer: retryDue in delayMs. */
  | { kind: 'retryIn'; delayMs: number };

export interface SupervisionDecision {
  next: Supervision;
  effect: SupervisionEffect;
}

export const INITIAL_SUPERVISION: Readonly<Supervision> = Object.freeze({ status: 'idle', attempt: 0, nextRetryAt: null, waitingForSlot: false });

/** Delay before the retry after `attempt` failed starts in a row (attempt ≥ 1), ms. */
export function backoffDelay(attempt: number, policy: SupervisionPolicy): number {
  if (attempt >= policy.maxStartAttempts) return policy.errorRetryMs;
  const doubled = policy.restartMinMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(doubled, policy.restartMaxMs);
}

const NONE: SupervisionEffect = { kind: 'none' };

export function supervise(state: Supervision, event: SupervisionEvent, ctx: SupervisionContext, policy: SupervisionPolicy): SupervisionDecision {
  const stay: SupervisionDecision = { next: state, effect: NONE };
  const launch = (): SupervisionDecision => ({ next: { ...state, status: 'starting', nextRetryAt: null, waitingForSlot: false }, effect: { kind: 'launch' } });
  const idle = (): SupervisionDecision => ({ next: { ...state, status: 'idle', nextRetryAt: null, waitingForSlot: false }, effect: NONE });
  switch (event.type) {
    case 'start':
      // retrying / error wait for their timer (every restart goes through the backoff);
      // stopping restarts when the stop completes ('stopped' while wanted).
      return state.status === 'idle' && ctx.wanted ? launch() : stay;
    case 'media':
      if (state.status !== 'starting' && state.status !== 'running') return stay;
      return { next: { status: 'running', attempt: 0, nextRetryAt: null, waitingForSlot: false }, effect: NONE };
    case 'failed': {
      // From stopping too: a run that failed while being stopped (a stall racing the idle stop)
      // must not leave the channel 'stopping' with no ffmpeg behind it.
      if (state.status !== 'starting' && state.status !== 'running' && state.status !== 'stopping') return stay;
      const attempt = event.busy ? state.attempt : state.attempt + 1;
      // BUSY polls at the shortest interval (a freed slot also starts it at once: slotFree).
      const delayMs = event.busy ? policy.restartMinMs : backoffDelay(attempt, policy);
      const status: ChannelStatus = attempt >= policy.maxStartAttempts ? 'error' : 'retrying';
      return { next: { status, attempt, nextRetryAt: ctx.now + delayMs, waitingForSlot: event.busy === true }, effect: { kind: 'retryIn', delayMs } };
    }
    case 'retryDue':
      if (state.status !== 'retrying' && state.status !== 'error') return stay;
      return ctx.wanted ? launch() : idle();
    case 'slotFree':
      if ((state.status !== 'retrying' && state.status !== 'error') || !state.waitingForSlot) return stay;
      return ctx.wanted ? launch() : stay;
    case 'stop':
      return state.status === 'starting' || state.status === 'running' ? { next: { ...state, status: 'stopping' }, effect: NONE } : stay;
    case 'stopped':
      if (state.status === 'idle' || state.status === 'retrying' || state.status === 'error') return stay;
      return ctx.wanted ? launch() : idle();
  }
}

export interface RunEnd {
  /** stop() asked for this exit (idle stop, seek replacement, shutdown). */
  requested: boolean;
  /** ffmpeg reached the end of its input and exited with status 0. */
  endOfSource: boolean;
  /** The run delivered at least one media fragment. */
  producedMedia: boolean;
  /** A file channel whose length is known: its end is the start of the next loop. */
  loopable: boolean;
  wanted: boolean;
}

/**
 * How a channel goes on after its ffmpeg ended (pure):
 * - 'loop': the file's next loop, at once and on the same timeline (the run produced media);
 * - 'stopped': a requested stop, or a file that ended while nobody watched (not a failure);
 * - 'failed': everything else, through the backoff: errors and stalls, a live source that ended,
 *   and any run that ended without producing media (a truncated or empty file exits 0 at once).
 */
export function classifyExit(end: RunEnd): 'loop' | 'stopped' | 'failed' {
  if (end.requested) return 'stopped';
  if (!end.endOfSource || !end.producedMedia) return 'failed';
  if (!end.wanted) return 'stopped';
  return end.loopable ? 'loop' : 'failed';
}
