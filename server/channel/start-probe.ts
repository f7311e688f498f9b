/**
 * A start's probe (the source's prepare()) with a deadline: a source that accepts the connection
 * and never sends must fail the start (and its ffprobe be killed), not hold the channel in
 * 'starting' forever. At most one is in flight per channel: a newer launch or close() cancels it.
 */
import { ErrorCode, PushcastError } from '../core/errors.js';
import type { ChildSet } from '../runtime/children.js';
import { untilAborted } from '../runtime/until-aborted.js';
import type { ChannelSource, PreparedSource } from './sources.js';

export class StartProbe {
  private abort: AbortController | null = null;

  constructor(
    private readonly source: ChannelSource,
    private readonly timeoutMs: number,
    private readonly context: { children?: ChildSet; owner: string },
  ) {}

  /** Probes for a new launch; rejects on the deadline, a cancel(), or the source's own failure. */
  async run(): Promise<PreparedSource> {
    this.cancel();
    const abort = new AbortController();
    this.abort = abort;
    const { timeoutMs } = this;
    const deadline = setTimeout(() => abort.abort(new PushcastError(ErrorCode.SOURCE_UNAVAILABLE, `source did not answer within ${timeoutMs} ms (probe timed out)`)), timeoutMs);
    try {
      return await untilAborted(this.source.prepare({ timeoutMs, signal: abort.signal, ...this.context }), abort.signal);
    } finally {
      clearTimeout(deadline);
      if (this.abort === abort) this.abort = null;
    }
  }

  /** The probe in flight is of no use any more (a newer launch; close() passes SHUTTING_DOWN). */
  cancel(reason?: PushcastError): void {
    this.abort?.abort(reason);
    this.abort = null;
  }
}
