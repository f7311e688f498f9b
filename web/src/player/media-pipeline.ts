/**
 * One timeline's media path: MediaSource → SourceBuffer → SourceBufferQueue, for one (epoch, mime).
 *
 * A new epoch (ffmpeg restarted, timestamps restart near 0) gets a new MediaSource rather than a
 * remove-everything + abort on the old SourceBuffer: that also resets currentTime, duration and
 * the decoder, can change the MIME type, and leaves no half-removed ranges behind.
 *
 * Data that arrives before `sourceopen` waits in `early` and is appended, in order, once the
 * SourceBuffer exists.
 */
import { Emitter } from './emitter.js';
import { PlayerErrorCode, describeError, type PlayerError } from './errors.js';
import { attachMediaSource, type AttachedMediaSource, type MediaSourceApi } from './media-source.js';
import { SourceBufferQueue, type SourceBufferQueueOptions } from './source-buffer-queue.js';

export type SegmentMeta = { kind: 'init' } | { kind: 'fragment'; wallClockMs: number | null; key: boolean };

export interface MediaPipelineEvents {
  /** An init segment or fragment finished appending; bufferedEnd is the SourceBuffer's end after it. */
  appended: { meta: SegmentMeta; bytes: number; bufferedEnd: number | null };
  /** Fatal for this pipeline; the owner destroys it (and may build a new one). */
  error: PlayerError;
}

export class MediaPipeline extends Emitter<MediaPipelineEvents> {
  private attached: AttachedMediaSource | null = null;
  private queue: SourceBufferQueue<SegmentMeta> | null = null;
  private early: Array<{ data: ArrayBuffer; meta: SegmentMeta }> = [];
  private _failed = false;
  private destroyed = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly api: MediaSourceApi,
    readonly mime: string,
    readonly epoch: number,
    private readonly queueOptions: Partial<SourceBufferQueueOptions> = {},
  ) {
    super();
  }

  get failed(): boolean {
    return this._failed;
  }

  start(): void {
    if (this.attached !== null || this.destroyed) return;
    if (!this.api.ctor.isTypeSupported(this.mime)) {
      this.fail(PlayerErrorCode.ADD_SOURCE_BUFFER, `this browser cannot play ${this.mime}`);
      return;
    }
    this.attached = attachMediaSource(this.video, this.api);
    const { mediaSource } = this.attached;
    // ManagedMediaSource also fires startstreaming/endstreaming to ask for (no) more data; a live
    // push stream cannot pause its source, so we keep appending and let the queue's eviction cope.
    this.attached.opened.then(
      () => this.onSourceOpen(mediaSource),
      () => undefined, // rejected only by detach(): this pipeline is being destroyed on purpose
    );
  }

  appendInit(data: ArrayBuffer): void {
    this.push(data, { kind: 'init' });
  }

  /** `key`: the fragment starts with a keyframe (back-buffer cuts end only at those). */
  appendFragment(data: ArrayBuffer, wallClockMs: number | null, key: boolean): void {
    this.push(data, { kind: 'fragment', wallClockMs, key });
  }

  trimBackBuffer(): void {
    this.queue?.trimBackBuffer();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.early = [];
    this.queue?.destroy();
    this.queue = null;
    this.attached?.detach();
    this.attached = null;
    this.removeAllListeners();
  }

  private push(data: ArrayBuffer, meta: SegmentMeta): void {
    if (this.destroyed || this._failed) return;
    if (this.queue) this.queue.append(data, meta);
    else this.early.push({ data, meta });
  }

  private onSourceOpen(mediaSource: MediaSource): void {
    if (this.destroyed) return;
    let sourceBuffer: SourceBuffer;
    try {
      sourceBuffer = mediaSource.addSourceBuffer(this.mime);
    } catch (err) {
      this.fail(PlayerErrorCode.ADD_SOURCE_BUFFER, `addSourceBuffer(${this.mime}) failed: ${describeError(err)}`);
      return;
    }
    const queue = new SourceBufferQueue<SegmentMeta>(sourceBuffer, () => this.video.currentTime, this.queueOptions, (m) => m.kind === 'fragment' && m.key);
    queue.on('appended', (e) => this.emit('appended', e));
    queue.on('error', (e) => this.fail(e.code, e.message));
    this.queue = queue;
    const early = this.early;
    this.early = [];
    for (const { data, meta } of early) queue.append(data, meta);
  }

  private fail(code: PlayerError['code'], message: string): void {
    if (this._failed || this.destroyed) return;
    this._failed = true;
    this.emit('error', { code, message, fatal: true });
  }
}
