/**
 * A tab in the background stops its stream and picks it up again on return (Page Visibility,
 * https://www.w3.org/TR/page-visibility-2/). Nobody sees a hidden tab's video, yet its socket would
 * keep pulling megabits, and its timers are throttled (the Pinger and the live-edge policy run late).
 * After `suspendAfterMs` hidden the player closes its socket; when the tab is visible again it
 * connects anew and starts at the live edge (live channels) or the channel's position (files).
 *
 * A tab someone is listening to (sound on, playing) is left alone: hiding it is how people keep
 * audio in the background. The check is repeated every suspendAfterMs while it stays hidden.
 *
 *   visible ──hidden──▶ hidden (timer armed) ──timer, not audible──▶ suspended ──visible──▶ visible (resume)
 *               ◀──visible (timer cancelled)──┘ └─timer, audible─▶ hidden (timer re-armed)
 */

export type VisibilityState = 'visible' | 'hidden' | 'suspended';
export type VisibilityEvent =
  | { kind: 'hidden' }
  | { kind: 'visible' }
  /** The hidden timer fired; `audible`: the page plays sound someone may be listening to. */
  | { kind: 'timer'; audible: boolean };
export type VisibilityAction = 'none' | 'arm-timer' | 'cancel-timer' | 'suspend' | 'resume';

/** Pure: the next state and what the shell must do. */
export function visibilityStep(state: VisibilityState, event: VisibilityEvent): { state: VisibilityState; action: VisibilityAction } {
  switch (event.kind) {
    case 'hidden':
      return state === 'visible' ? { state: 'hidden', action: 'arm-timer' } : { state, action: 'none' };
    case 'visible':
      if (state === 'hidden') return { state: 'visible', action: 'cancel-timer' };
      if (state === 'suspended') return { state: 'visible', action: 'resume' };
      return { state, action: 'none' };
    case 'timer':
      // A timer that fires after the tab came back (or after suspending) is stale.
      if (state !== 'hidden') return { state, action: 'none' };
      return event.audible ? { state, action: 'arm-timer' } : { state: 'suspended', action: 'suspend' };
  }
}

/** The part of `document` we use, so tests can pass a fake. */
export interface VisibilityDocument {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface VisibilityHandlers {
  suspend(): void;
  resume(): void;
  /** True while the page plays sound (then it is not suspended). */
  audible(): boolean;
}

/** The shell: listens to `visibilitychange`, runs the one timer, calls the handlers. */
export class VisibilityWatcher {
  private state: VisibilityState = 'visible';
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** @param suspendAfterMs ms hidden before suspending (> 0) */
  constructor(
    private readonly doc: VisibilityDocument,
    private readonly suspendAfterMs: number,
    private readonly handlers: VisibilityHandlers,
  ) {
    if (!(suspendAfterMs > 0)) throw new TypeError(`VisibilityWatcher: suspendAfterMs must be > 0, got ${suspendAfterMs}`);
  }

  get current(): VisibilityState {
    return this.state;
  }

  start(): void {
    this.doc.addEventListener('visibilitychange', this.onChange);
    // A page loaded in a background tab starts hidden.
    if (this.doc.visibilityState === 'hidden') this.apply({ kind: 'hidden' });
  }

  stop(): void {
    this.doc.removeEventListener('visibilitychange', this.onChange);
    this.clearTimer();
  }

  private readonly onChange = (): void => {
    this.apply({ kind: this.doc.visibilityState === 'hidden' ? 'hidden' : 'visible' });
  };

  private apply(event: VisibilityEvent): void {
    const { state, action } = visibilityStep(this.state, event);
    this.state = state;
    switch (action) {
      case 'arm-timer':
        this.clearTimer();
        this.timer = setTimeout(() => {
          this.timer = null;
          this.apply({ kind: 'timer', audible: this.handlers.audible() });
        }, this.suspendAfterMs);
        return;
      case 'cancel-timer':
        this.clearTimer();
        return;
      case 'suspend':
        this.handlers.suspend();
        return;
      case 'resume':
        this.handlers.resume();
        return;
      case 'none':
        return;
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
