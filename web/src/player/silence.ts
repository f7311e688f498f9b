/**
 * Silence detection for the WebSocket. A browser page never sees the server's WebSocket pings
 * (RFC 6455 §5.5.2: the browser answers them itself), so a connection whose peer vanished without
 * a FIN or RST (a NAT that forgot it, a laptop that changed networks, a stalled proxy) looks open
 * forever. A healthy connection always carries messages: the Pinger asks for a `pong` every
 * second (pinger.ts) and live channels push fragments. So "no message of any kind for timeoutMs"
 * means the connection is dead: the Connection closes it and reconnects.
 *
 * One exception: when the check itself runs far too late, the page was frozen or its timers were
 * throttled (a background tab): our pings did not go out either, so the silence is ours, not the
 * server's. The socket then gets a fresh window instead of being closed.
 */

export type SilenceVerdict =
  /** Something was heard within the window; check again at `nextCheckAt`. */
  | { kind: 'ok'; nextCheckAt: number }
  /** The check ran more than `timeoutMs` after it was due: we were asleep; check again at `nextCheckAt`. */
  | { kind: 'slept'; nextCheckAt: number }
  /** Nothing for `silentMs` ≥ timeoutMs while our timers ran on time: the connection is dead. */
  | { kind: 'silent'; silentMs: number };

/**
 * Pure: the watchdog's decision at time `now` (ms, monotonic), given when a message last arrived
 * and when this check was due.
 */
export function checkSilence(lastHeardAt: number, checkDueAt: number, now: number, timeoutMs: number): SilenceVerdict {
  const silentMs = now - lastHeardAt;
  if (silentMs < timeoutMs) return { kind: 'ok', nextCheckAt: lastHeardAt + timeoutMs };
  if (now - checkDueAt > timeoutMs) return { kind: 'slept', nextCheckAt: now + timeoutMs };
  return { kind: 'silent', silentMs };
}

/**
 * The timer around checkSilence. heard() is called for every frame (fragments arrive tens of times
 * a second), so it only stores a time; the one timer re-arms itself when it fires.
 */
export class SilenceWatchdog {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastHeardAt = 0;
  private dueAt = 0;

  /**
   * @param timeoutMs silence that counts as a dead connection, ms (> 0)
   * @param onSilent called once per start(), with how long it was silent (ms)
   * @param now monotonic clock, ms (performance.now in the browser; injectable for tests)
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onSilent: (silentMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(timeoutMs > 0)) throw new TypeError(`SilenceWatchdog: timeoutMs must be > 0, got ${timeoutMs}`);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** (Re)starts the window from now. */
  start(): void {
    this.stop();
    this.lastHeardAt = this.now();
    this.arm(this.lastHeardAt + this.timeoutMs);
  }

  heard(): void {
    this.lastHeardAt = this.now();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(at: number): void {
    this.dueAt = at;
    this.timer = setTimeout(() => this.check(), Math.max(0, at - this.now()));
  }

  private check(): void {
    this.timer = null;
    const verdict = checkSilence(this.lastHeardAt, this.dueAt, this.now(), this.timeoutMs);
    if (verdict.kind === 'silent') this.onSilent(verdict.silentMs);
    else this.arm(verdict.nextCheckAt);
  }
}
