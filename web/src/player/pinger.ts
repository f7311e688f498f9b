/**
 * Schedules clock probes: a quick burst when a connection opens (so the offset is known before
 * the first frame), then one per interval to follow drift and pick up low-latency samples.
 */
export interface PingerOptions {
  /** Pings sent right after start, one every burstIntervalMs. */
  burstCount: number;
  /** ms between burst pings. */
  burstIntervalMs: number;
  /** ms between pings after the burst. */
  intervalMs: number;
}

export const DEFAULT_PINGER_OPTIONS: Readonly<PingerOptions> = { burstCount: 5, burstIntervalMs: 200, intervalMs: 1000 };

export class Pinger {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sent = 0;
  private readonly options: PingerOptions;

  /** @param ping sends one probe (the caller stamps t0 itself). */
  constructor(
    private readonly ping: () => void,
    options: Partial<PingerOptions> = {},
  ) {
    this.options = { ...DEFAULT_PINGER_OPTIONS, ...options };
  }

  /** (Re)starts the schedule with a fresh burst. */
  start(): void {
    this.stop();
    this.sent = 0;
    this.tick();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.ping();
    this.sent++;
    const delay = this.sent < this.options.burstCount ? this.options.burstIntervalMs : this.options.intervalMs;
    this.timer = setTimeout(() => this.tick(), delay);
  }
}
