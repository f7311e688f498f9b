import { describe, expect, it } from 'vitest';
import {
  INITIAL_SUPERVISION, backoffDelay, classifyExit, supervise,
  type RunEnd, type Supervision, type SupervisionEffect, type SupervisionEvent, type SupervisionPolicy,
} from '../../../server/channel/supervision.js';

const policy: SupervisionPolicy = { restartMinMs: 1000, restartMaxMs: 30_000, maxStartAttempts: 5, errorRetryMs: 60_000 };
const NOW = 1_000_000;
const s = (status: Supervision['status'], attempt = 0, nextRetryAt: number | null = null, waitingForSlot = false): Supervision => ({ status, attempt, nextRetryAt, waitingForSlot });
const none: SupervisionEffect = { kind: 'none' };
const launch: SupervisionEffect = { kind: 'launch' };
const retryIn = (delayMs: number): SupervisionEffect => ({ kind: 'retryIn', delayMs });

describe('backoffDelay', () => {
  it.each<[number, number]>([
    [1, 1000], [2, 2000], [3, 4000], [4, 8000],
    // attempt 5 = maxStartAttempts: error, slow retries
    [5, 60_000], [9, 60_000],
  ])('attempt %i → %i ms', (attempt, ms) => {
    expect(backoffDelay(attempt, policy)).toBe(ms);
  });

  it('caps at restartMaxMs below the error threshold', () => {
    expect(backoffDelay(6, { ...policy, maxStartAttempts: 10, restartMaxMs: 5000 })).toBe(5000);
  });
});

describe('supervise', () => {
  type Row = [string, Supervision, SupervisionEvent, boolean, Supervision, SupervisionEffect];
  it.each<Row>([
    // start
    ['idle + start (wanted) → starting, launch', s('idle'), { type: 'start' }, true, s('starting'), launch],
    ['idle + start, nobody wants it → stays idle', s('idle'), { type: 'start' }, false, s('idle'), none],
    ['idle keeps the failure count until a run produces media', s('idle', 3), { type: 'start' }, true, s('starting', 3), launch],
    ['starting + start → nothing', s('starting'), { type: 'start' }, true, s('starting'), none],
    ['running + start → nothing', s('running'), { type: 'start' }, true, s('running'), none],
    ['retrying + start waits for its backoff', s('retrying', 2, NOW + 500), { type: 'start' }, true, s('retrying', 2, NOW + 500), none],
    ['error + start waits for its slow retry', s('error', 5, NOW + 50_000), { type: 'start' }, true, s('error', 5, NOW + 50_000), none],
    ['stopping + start → restarts when the stop completes', s('stopping'), { type: 'start' }, true, s('stopping'), none],
    // media
    ['starting + media → running, attempt 0', s('starting', 3), { type: 'media' }, true, s('running', 0), none],
    ['running + media (a loop, a seek) → running, attempt 0', s('running', 1), { type: 'media' }, true, s('running', 0), none],
    ['media from a stale run in retrying is ignored', s('retrying', 1, NOW + 1000), { type: 'media' }, true, s('retrying', 1, NOW + 1000), none],
    // failed: backoff doubling, then error
    ['starting + failed (1st) → retrying in restartMinMs', s('starting', 0), { type: 'failed' }, true, s('retrying', 1, NOW + 1000), retryIn(1000)],
    ['running + failed (crash after a healthy run) → retrying in restartMinMs', s('running', 0), { type: 'failed' }, true, s('retrying', 1, NOW + 1000), retryIn(1000)],
    ['starting + failed (2nd) → 2 s', s('starting', 1), { type: 'failed' }, true, s('retrying', 2, NOW + 2000), retryIn(2000)],
    ['starting + failed (4th) → 8 s', s('starting', 3), { type: 'failed' }, true, s('retrying', 4, NOW + 8000), retryIn(8000)],
    ['starting + failed (5th = max) → error, errorRetryMs', s('starting', 4), { type: 'failed' }, true, s('error', 5, NOW + 60_000), retryIn(60_000)],
    ['starting + failed again while in error → error, errorRetryMs', s('starting', 7), { type: 'failed' }, true, s('error', 8, NOW + 60_000), retryIn(60_000)],
    ['a failure nobody waits for still goes through the backoff', s('starting', 0), { type: 'failed' }, false, s('retrying', 1, NOW + 1000), retryIn(1000)],
    ['stopping + failed (a stall racing the idle stop) → retrying', s('stopping', 0), { type: 'failed' }, false, s('retrying', 1, NOW + 1000), retryIn(1000)],
    ['failed while already retrying → ignored', s('retrying', 1, NOW + 1000), { type: 'failed' }, true, s('retrying', 1, NOW + 1000), none],
    ['idle + failed → ignored', s('idle'), { type: 'failed' }, true, s('idle'), none],
    // BUSY
    ['starting + busy → retrying, same attempt, polls at restartMinMs, waits for a slot', s('starting', 2), { type: 'failed', busy: true }, true, s('retrying', 2, NOW + 1000, true), retryIn(1000)],
    ['busy at the attempt limit stays in error', s('starting', 5), { type: 'failed', busy: true }, true, s('error', 5, NOW + 1000, true), retryIn(1000)],
    // retryDue
    ['retrying + retryDue (wanted) → starting, launch', s('retrying', 2, NOW), { type: 'retryDue' }, true, s('starting', 2), launch],
    ['error + retryDue (wanted) → starting, launch', s('error', 5, NOW), { type: 'retryDue' }, true, s('starting', 5), launch],
    ['retrying + retryDue, nobody wants it → idle', s('retrying', 2, NOW), { type: 'retryDue' }, false, s('idle', 2), none],
    ['running + retryDue (stale timer) → ignored', s('running'), { type: 'retryDue' }, true, s('running'), none],
    // slotFree
    ['retrying for a slot + slotFree → starting at once', s('retrying', 0, NOW + 1000, true), { type: 'slotFree' }, true, s('starting', 0), launch],
    ['retrying for a source failure + slotFree → keeps its backoff', s('retrying', 2, NOW + 2000), { type: 'slotFree' }, true, s('retrying', 2, NOW + 2000), none],
    ['slotFree nobody wants → keeps waiting for the timer (then idle)', s('retrying', 0, NOW + 1000, true), { type: 'slotFree' }, false, s('retrying', 0, NOW + 1000, true), none],
    // stop / stopped
    ['running + stop → stopping', s('running'), { type: 'stop' }, false, s('stopping'), none],
    ['starting + stop → stopping', s('starting', 1), { type: 'stop' }, false, s('stopping', 1), none],
    ['retrying + stop → ignored (the timer decides)', s('retrying', 1, NOW + 1000), { type: 'stop' }, false, s('retrying', 1, NOW + 1000), none],
    ['stopping + stopped → idle', s('stopping'), { type: 'stopped' }, false, s('idle'), none],
    ['stopping + stopped, a viewer came back → starting, launch', s('stopping'), { type: 'stopped' }, true, s('starting'), launch],
    ['starting + stopped (start abandoned) → idle', s('starting', 1), { type: 'stopped' }, false, s('idle', 1), none],
    ['running + stopped (seek in the grace period) → idle', s('running'), { type: 'stopped' }, false, s('idle'), none],
    ['retrying + stopped → ignored', s('retrying', 1, NOW + 1000), { type: 'stopped' }, true, s('retrying', 1, NOW + 1000), none],
  ])('%s', (_name, state, event, wanted, next, effect) => {
    expect(supervise(state, event, { now: NOW, wanted }, policy)).toEqual({ next, effect });
  });

  it('a source that keeps failing: 1, 2, 4, 8 s, then error and a retry every errorRetryMs', () => {
    let state: Supervision = INITIAL_SUPERVISION;
    const delays: number[] = [];
    const statuses: string[] = [];
    state = supervise(state, { type: 'start' }, { now: NOW, wanted: true }, policy).next;
    for (let i = 0; i < 7; i++) {
      const failed = supervise(state, { type: 'failed' }, { now: NOW, wanted: true }, policy);
      if (failed.effect.kind === 'retryIn') delays.push(failed.effect.delayMs);
      statuses.push(failed.next.status);
      const due = supervise(failed.next, { type: 'retryDue' }, { now: NOW, wanted: true }, policy);
      expect(due.effect).toEqual(launch);
      state = due.next;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
    expect(statuses).toEqual(['retrying', 'retrying', 'retrying', 'retrying', 'error', 'error', 'error']);
    // One run that produces media ends it.
    expect(supervise(state, { type: 'media' }, { now: NOW, wanted: true }, policy).next).toEqual(s('running', 0));
  });
});

describe('classifyExit', () => {
  const end = (over: Partial<RunEnd>): RunEnd => ({ requested: false, endOfSource: true, producedMedia: true, loopable: true, wanted: true, ...over });
  it.each<[string, RunEnd, ReturnType<typeof classifyExit>]>([
    ['a file that played to its end loops at once', end({}), 'loop'],
    ['a truncated file: exit 0 without one fragment is a failure, not a loop', end({ producedMedia: false }), 'failed'],
    ['…also while nobody watches', end({ producedMedia: false, wanted: false }), 'failed'],
    ['a file of unknown length that ended → failed (retried on a new timeline)', end({ loopable: false }), 'failed'],
    ['a live source that ended → failed', end({ loopable: false }), 'failed'],
    ['a file that ended in the grace period → stopped', end({ wanted: false }), 'stopped'],
    ['an ffmpeg error → failed', end({ endOfSource: false }), 'failed'],
    ['an ffmpeg error after media → failed', end({ endOfSource: false, producedMedia: true }), 'failed'],
    ['a requested stop → stopped', end({ requested: true, endOfSource: false }), 'stopped'],
    ['a requested stop of a run without media → stopped', end({ requested: true, endOfSource: false, producedMedia: false }), 'stopped'],
  ])('%s', (_name, e, outcome) => {
    expect(classifyExit(e)).toBe(outcome);
  });
});
