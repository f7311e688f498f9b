/**
 * Bounds the `state` messages one viewer receives: the first of a burst goes at once, then only the
 * newest one per STATE_MIN_GAP_MS; while the socket is backed up the newest is held and retried
 * every PENDING_STATE_RETRY_MS. Bounds what one client's join/leave churn makes every bystander
 * receive (issue 9). Only the newest state matters, so nothing but the last one is ever queued.
 */

/** States go to a viewer at most this often, ms. */
export const STATE_MIN_GAP_MS = 100;
/** How often a state held back by backpressure is retried, ms. */
const PENDING_STATE_RETRY_MS = 250;

export class StateThrottle<T> {
  private pending: T | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the last state went out, ms. */
  private lastAt = -Infinity;

  constructor(
    private readonly deliver: (value: T) => void,
    /** True while the socket holds more than it may (hold the state back). */
    private readonly backedUp: () => boolean,
    /** False once the viewer no longer wants states (left, closed): held ones are dropped. */
    private readonly active: () => boolean,
  ) {}

  offer(value: T): void {
    if (!this.active()) return;
    const now = Date.now();
    const backedUp = this.backedUp();
    if (backedUp || now - this.lastAt < STATE_MIN_GAP_MS) {
      // Hold it until the gap has passed and the socket drained.
      this.pending = value;
      const wait = backedUp ? PENDING_STATE_RETRY_MS : STATE_MIN_GAP_MS - (now - this.lastAt);
      this.timer ??= setTimeout(() => this.flush(), wait);
      return;
    }
    this.pending = null;
    this.lastAt = now;
    this.deliver(value);
  }

  stop(): void {
    this.pending = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    const value = this.pending;
    if (value === null || !this.active()) return;
    this.offer(value);
  }
}
