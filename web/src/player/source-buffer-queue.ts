/**
 * Serialises every operation on one SourceBuffer (W3C MSE §3.5: append/remove throw
 * InvalidStateError while `updating` is true). Operations wait in a FIFO; the next one starts on
 * `updateend` of the previous.
 *
 * Buffer management:
 *  - appendBuffer throwing QuotaExceededError (MSE §3.5.10 "coded frame eviction" failed) → queue a
 *    remove of everything older than `quotaKeepSec` before the playhead, then retry the same append
 *    (at most `maxQuotaRetries` times; afterwards a fatal BUFFER_FULL error);
 *  - `trimBackBuffer()` (called periodically by the player) removes media older than
 *    `backBufferSec` behind the playhead.
 * MSE remove() also drops frames after the range that depend on removed ones, up to the next
 * keyframe: a cut inside the GOP being played would take that GOP with it (remuxed sources can
 * have GOPs of many seconds). So when the owner says which appends start with a keyframe
 * (`randomAccess`), every cut ends exactly at a keyframe's start, and none is made without one;
 * without that information cuts fall at the margin as they are.
 *
 * Errors (synchronous throws and the SourceBuffer's `error` event) become `error` events with a
 * stable code; after one, the queue stops (`failed`): the owner tears the pipeline down.
 */
import { Emitter } from './emitter.js';
import { PlayerErrorCode, describeError, hasErrorName, type PlayerError } from './errors.js';

export type RemoveReason = 'trim' | 'quota' | 'manual';

type Operation<M> =
  | { kind: 'append'; data: ArrayBuffer; meta: M; quotaRetries: number }
  | { kind: 'remove'; start: number; end: number; reason: RemoveReason }
  | { kind: 'abort' };

export interface SourceBufferQueueEvents<M> {
  /** An append finished; `bufferedEnd` is the SourceBuffer's buffered end right after it (null if empty). */
  appended: { meta: M; bytes: number; bufferedEnd: number | null };
  removed: { start: number; end: number; reason: RemoveReason };
  error: PlayerError;
}

export interface SourceBufferQueueOptions {
  /** Seconds of media kept behind the playhead by trimBackBuffer(). */
  backBufferSec: number;
  /** Trim only once the back buffer exceeds backBufferSec by this much (s), to batch removals. */
  trimSlackSec: number;
  /** Seconds kept behind the playhead when evicting after QuotaExceededError; must exceed one GOP. */
  quotaKeepSec: number;
  /** Append retries after QuotaExceededError before giving up with BUFFER_FULL. */
  maxQuotaRetries: number;
}

export const DEFAULT_QUEUE_OPTIONS: Readonly<SourceBufferQueueOptions> = {
  backBufferSec: 10,
  trimSlackSec: 2,
  quotaKeepSec: 2,
  maxQuotaRetries: 3,
};

/** The parts of SourceBuffer we use, so tests can pass a fake. */
export type SourceBufferLike = Pick<SourceBuffer, 'updating' | 'buffered' | 'appendBuffer' | 'remove' | 'abort' | 'addEventListener' | 'removeEventListener'>;

export class SourceBufferQueue<M> extends Emitter<SourceBufferQueueEvents<M>> {
  private readonly queue: Array<Operation<M>> = [];
  private current: Operation<M> | null = null;
  private _failed = false;
  private destroyed = false;
  private readonly options: SourceBufferQueueOptions;
  /** Where appended segments that start with a keyframe begin (s), ascending: safe cut points. */
  private readonly keyframes: number[] = [];
  /** The buffered end when the current append started: where that segment begins. */
  private appendStart: number | null = null;

  constructor(
    private readonly sourceBuffer: SourceBufferLike,
    /** The playhead (video.currentTime), read when evicting. */
    private readonly currentTime: () => number,
    options: Partial<SourceBufferQueueOptions> = {},
    /** Whether an append starts with a keyframe (a random access point); null: not known, cut anywhere. */
    private readonly randomAccess: ((meta: M) => boolean) | null = null,
  ) {
    super();
    this.options = { ...DEFAULT_QUEUE_OPTIONS, ...options };
    if (this.options.backBufferSec < this.options.quotaKeepSec) {
      throw new TypeError(`SourceBufferQueue: backBufferSec (${this.options.backBufferSec}) must be ≥ quotaKeepSec (${this.options.quotaKeepSec})`);
    }
    sourceBuffer.addEventListener('updateend', this.onUpdateEnd);
    sourceBuffer.addEventListener('error', this.onError);
  }

  /** Operations waiting or running. */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }
  get failed(): boolean {
    return this._failed;
  }

  append(data: ArrayBuffer, meta: M): void {
    this.enqueue({ kind: 'append', data, meta, quotaRetries: 0 });
  }

  remove(start: number, end: number, reason: RemoveReason = 'manual'): void {
    this.enqueue({ kind: 'remove', start, end, reason });
  }

  /** Queues SourceBuffer.abort(): resets the segment parser (e.g. before an init segment). */
  abort(): void {
    this.enqueue({ kind: 'abort' });
  }

  /** Removes media older than backBufferSec behind the playhead (once it exceeds it by trimSlackSec). */
  trimBackBuffer(): void {
    if (this._failed || this.destroyed) return;
    if (this.queue.some((op) => op.kind === 'remove')) return; // one is already on its way
    const buffered = this.sourceBuffer.buffered;
    if (buffered.length === 0) return;
    const start = buffered.start(0);
    const cut = this.safeCut(this.currentTime() - this.options.backBufferSec);
    if (cut !== null && cut - start > this.options.trimSlackSec) this.remove(start, cut, 'trim');
  }

  /** The latest keyframe start at or before `cut`, or `cut` itself when keyframes are not tracked; null: no safe cut. */
  private safeCut(cut: number): number | null {
    if (this.randomAccess === null) return cut;
    let best: number | null = null;
    for (const k of this.keyframes) {
      if (k > cut) break;
      best = k;
    }
    return best;
  }

  /** Stops listening and drops queued operations; the SourceBuffer itself is left to its MediaSource. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.queue.length = 0;
    this.current = null;
    this.sourceBuffer.removeEventListener('updateend', this.onUpdateEnd);
    this.sourceBuffer.removeEventListener('error', this.onError);
    this.removeAllListeners();
  }

  private enqueue(op: Operation<M>): void {
    if (this.destroyed || this._failed) return;
    this.queue.push(op);
    this.next();
  }

  private next(): void {
    while (!this.destroyed && !this._failed && this.current === null && !this.sourceBuffer.updating) {
      const op = this.queue.shift();
      if (op === undefined) return;
      // Each start* returns true when the operation completes on a later `updateend`.
      const async = op.kind === 'append' ? this.startAppend(op) : op.kind === 'remove' ? this.startRemove(op) : this.startAbort();
      if (async) {
        this.current = op;
        return;
      }
    }
  }

  private startAppend(op: Extract<Operation<M>, { kind: 'append' }>): boolean {
    const buffered = this.sourceBuffer.buffered;
    this.appendStart = buffered.length > 0 ? buffered.end(buffered.length - 1) : null;
    try {
      this.sourceBuffer.appendBuffer(op.data);
      return true;
    } catch (err) {
      if (hasErrorName(err, 'QuotaExceededError')) this.onQuotaExceeded(op);
      else this.fail(PlayerErrorCode.APPEND, `appendBuffer failed: ${describeError(err)}`);
      return false;
    }
  }

  private startRemove(op: Extract<Operation<M>, { kind: 'remove' }>): boolean {
    // remove() throws TypeError for an empty or negative range; such a request is simply a no-op.
    if (!(op.start >= 0 && op.end > op.start)) return false;
    try {
      this.sourceBuffer.remove(op.start, op.end);
      return true;
    } catch (err) {
      this.fail(PlayerErrorCode.BUFFER_OP, `remove(${op.start}, ${op.end}) failed: ${describeError(err)}`);
      return false;
    }
  }

  private startAbort(): boolean {
    try {
      this.sourceBuffer.abort(); // synchronous when not updating: no updateend follows
    } catch (err) {
      this.fail(PlayerErrorCode.BUFFER_OP, `abort() failed: ${describeError(err)}`);
    }
    return false;
  }

  private onQuotaExceeded(op: Extract<Operation<M>, { kind: 'append' }>): void {
    const buffered = this.sourceBuffer.buffered;
    const start = buffered.length > 0 ? buffered.start(0) : 0;
    const cut = this.safeCut(this.currentTime() - this.options.quotaKeepSec) ?? start;
    if (op.quotaRetries >= this.options.maxQuotaRetries || buffered.length === 0 || cut <= start) {
      this.fail(
        PlayerErrorCode.BUFFER_FULL,
        `QuotaExceededError with ${op.data.byteLength} bytes to append and nothing more to evict (retry ${op.quotaRetries})`,
      );
      return;
    }
    // Evict first, then retry the same append: both jump the line, in that order.
    this.queue.unshift({ kind: 'remove', start, end: cut, reason: 'quota' }, { ...op, quotaRetries: op.quotaRetries + 1 });
  }

  private readonly onUpdateEnd = (): void => {
    const op = this.current;
    this.current = null;
    if (op === null || this._failed || this.destroyed) return;
    if (op.kind === 'append') {
      const buffered = this.sourceBuffer.buffered;
      const bufferedEnd = buffered.length > 0 ? buffered.end(buffered.length - 1) : null;
      if (this.randomAccess?.(op.meta)) {
        // The first segment has no buffered end before it: it begins where the buffer does.
        const at = this.appendStart ?? (buffered.length > 0 ? buffered.start(0) : null);
        if (at !== null && (this.keyframes.length === 0 || at > (this.keyframes.at(-1) as number))) this.keyframes.push(at);
      }
      this.emit('appended', { meta: op.meta, bytes: op.data.byteLength, bufferedEnd });
    } else if (op.kind === 'remove') {
      while (this.keyframes.length > 0 && (this.keyframes[0] as number) < op.end) this.keyframes.shift();
      this.emit('removed', { start: op.start, end: op.end, reason: op.reason });
    }
    this.next();
  };

  /** The SourceBuffer's `error` event: the append failed asynchronously (MSE §3.5.4, e.g. bad media). */
  private readonly onError = (): void => {
    const what = this.current?.kind ?? 'operation';
    this.fail(PlayerErrorCode.APPEND, `SourceBuffer error event during ${what} (media could not be parsed or decoded)`);
  };

  private fail(code: PlayerError['code'], message: string): void {
    if (this._failed) return;
    this._failed = true;
    this.queue.length = 0;
    this.emit('error', { code, message, fatal: true });
  }
}
