/**
 * The registry-wide limit on concurrent ffmpeg processes (config.maxFfmpeg). A channel takes one
 * slot for as long as it wants an ffmpeg (a file's loops and a seek's replacement reuse it) and
 * gives it back when it goes idle, retrying or error. A channel that finds none fails its start
 * with BUSY and waits: release() hands the freed slot to the waiters in arrival order.
 */
export interface FfmpegSlot {
  /** Gives the slot back; a second call does nothing. */
  release(): void;
}

export class FfmpegSlots {
  private used = 0;
  /** Callbacks of channels waiting for a slot, oldest first; each may call tryAcquire() at once. */
  private readonly waiters = new Set<() => void>();

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new TypeError(`maxFfmpeg must be at least 1, got ${max}`);
  }

  get inUse(): number {
    return this.used;
  }

  tryAcquire(): FfmpegSlot | null {
    if (this.used >= this.max) return null;
    this.used++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.used--;
        this.wakeWaiters();
      },
    };
  }

  /** Calls `onFree` once, when a slot frees. Returns a function that cancels the wait. */
  waitForSlot(onFree: () => void): () => void {
    this.waiters.add(onFree);
    return () => this.waiters.delete(onFree);
  }

  private wakeWaiters(): void {
    for (const waiter of [...this.waiters]) {
      if (this.used >= this.max) return;
      this.waiters.delete(waiter);
      waiter();
    }
  }
}
