/**
 * The thin shell around the supervision reducer (channel-supervisor.ts): it holds the state,
 * runs each event through supervise(), and applies the decision: the retry timer, the ffmpeg
 * slot (released whenever the channel wants no ffmpeg), the wait for a freed slot after BUSY.
 * The channel hears back through two callbacks: the state changed (broadcast it), and launch.
 */
import { INITIAL_SUPERVISION, supervise, type Supervision, type SupervisionEvent, type SupervisionPolicy } from './supervision.js';
import type { FfmpegSlot, FfmpegSlots } from '../ffmpeg/slots.js';

export interface SupervisorHooks {
  /** The channel has viewers or is keep-alive (and is not closed). */
  wanted(): boolean;
  /** status, attempt or nextRetryAt changed. */
  changed(): void;
  /** Begin a start; `retry` when it follows a failure. */
  launch(reason: 'start' | 'retry'): void;
}

export class Supervisor {
  private current: Supervision = INITIAL_SUPERVISION;
  private retryTimer: NodeJS.Timeout | null = null;
  private slot: FfmpegSlot | null = null;
  private cancelSlotWait: (() => void) | null = null;
  private closed = false;

  constructor(private readonly policy: SupervisionPolicy, private readonly hooks: SupervisorHooks, private readonly slots?: FfmpegSlots) {}

  get state(): Supervision {
    return this.current;
  }

  dispatch(event: SupervisionEvent): void {
    if (this.closed) return;
    const before = this.current;
    const { next, effect } = supervise(before, event, { now: Date.now(), wanted: this.hooks.wanted() }, this.policy);
    this.current = next;
    if (next.nextRetryAt === null) this.clearRetry();
    // No ffmpeg wanted in these states: another channel may have the slot meanwhile.
    if (next.status === 'idle' || next.status === 'retrying' || next.status === 'error') this.releaseSlot();
    if (!next.waitingForSlot) this.stopWaitingForSlot();
    if (effect.kind === 'retryIn') {
      this.clearRetry();
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.dispatch({ type: 'retryDue' });
      }, effect.delayMs);
    }
    if (next.waitingForSlot && !this.cancelSlotWait && this.slots) {
      this.cancelSlotWait = this.slots.waitForSlot(() => {
        this.cancelSlotWait = null;
        this.dispatch({ type: 'slotFree' });
      });
    }
    if (next.status !== before.status || next.attempt !== before.attempt || next.nextRetryAt !== before.nextRetryAt) this.hooks.changed();
    // Last: a launch may fail at once (BUSY) and dispatch again.
    if (effect.kind === 'launch') this.hooks.launch(before.status === 'retrying' || before.status === 'error' ? 'retry' : 'start');
  }

  /**
   * Makes sure the channel holds an ffmpeg slot (kept across a file's loops and a seek's
   * replacement). False when the limit is reached: the start fails with BUSY.
   */
  takeSlot(): boolean {
    if (this.slot || !this.slots) return true;
    this.slot = this.slots.tryAcquire();
    return this.slot !== null;
  }

  /** Shutdown: no more timers, slots or events. */
  close(): void {
    this.closed = true;
    this.clearRetry();
    this.stopWaitingForSlot();
    this.releaseSlot();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private releaseSlot(): void {
    this.slot?.release();
    this.slot = null;
  }

  private stopWaitingForSlot(): void {
    this.cancelSlotWait?.();
    this.cancelSlotWait = null;
  }
}
