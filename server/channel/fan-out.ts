/**
 * What a channel sends its viewers, and what it holds for the next one to join: the current init
 * (and the epoch it was announced for), the GOP cache, the bitrate of what was released. The
 * channel decides who may watch and when ffmpeg runs; this only delivers.
 */
import type { PushcastError } from '../core/errors.js';
import type { ChannelInfo } from '../core/protocol.js';
import type { Fragment, InitSegment } from '../ffmpeg/fragmenter.js';
import type { Logger } from '../runtime/log.js';
import { BitrateMeter } from './bitrate.js';
import type { ChannelViewer } from './channel-types.js';
import { GopCache } from './gop-cache.js';

export class FanOut {
  readonly viewers = new Set<ChannelViewer>();
  private current: InitSegment | null = null;
  /** The epoch the current init segment was announced for. */
  private initEpoch = -1;
  private readonly gop: GopCache;
  private readonly meter = new BitrateMeter();
  /** The codec strings of the last run, kept while idle so the channel list can show them. */
  private codecs: string[] = [];

  constructor(gopCacheMaxBytes: number, private readonly log: Logger, private readonly channel: string) {
    this.gop = new GopCache(gopCacheMaxBytes);
  }

  get init(): InitSegment | null { return this.current; }
  get lastCodecs(): string[] { return this.current?.codecs ?? this.codecs; }
  get cached(): readonly Fragment[] { return this.gop.fragments; }

  /** The held init belongs to `epoch`: a joiner can be caught up on it. */
  announcedFor(epoch: number): boolean {
    return this.current !== null && this.initEpoch === epoch;
  }

  /** A newcomer gets the current timeline's init and `fragments` (from a keyframe). */
  catchUp(viewer: ChannelViewer, epoch: number, fragments: readonly Fragment[]): void {
    if (!this.current || this.initEpoch !== epoch) return;
    viewer.onInit(this.current, epoch);
    for (const f of fragments) viewer.onFragment(f, epoch);
  }

  /**
   * An init from ffmpeg on `epoch`. The next loop of a file usually has a byte-identical init:
   * viewers need nothing then. A different one on the same timeline goes to `defer` (a file
   * announces it with its loop's first fragment); false when it was taken now.
   */
  offerInit(init: InitSegment, epoch: number, defer: (init: InitSegment) => boolean): boolean {
    const sameTimeline = this.announcedFor(epoch);
    const changed = !sameTimeline || !this.current?.data.equals(init.data);
    if (sameTimeline && changed && defer(init)) return true;
    this.take(init);
    this.initEpoch = epoch;
    if (!sameTimeline) this.gop.reset();
    if (changed) {
      this.log.info('init segment', { channel: this.channel, mime: init.mime, epoch });
      for (const v of this.viewers) v.onInit(init, epoch);
    }
    return false;
  }

  /** A deferred init of the next loop, right before that loop's first fragment. */
  reinit(init: InitSegment, epoch: number): void {
    this.take(init);
    for (const v of this.viewers) v.onInit(init, epoch);
  }

  /**
   * The playhead moved to a new epoch on the media held: viewers get the current init for it,
   * then the GOP cache (`withGop`, a live resume) or nothing (a seek's replay refills it).
   */
  reannounce(epoch: number, withGop: boolean): void {
    const init = this.current;
    if (!init) return;
    this.initEpoch = epoch;
    if (!withGop) this.gop.reset();
    for (const v of this.viewers) {
      v.onInit(init, epoch);
      if (withGop) for (const f of this.gop.fragments) v.onFragment(f, epoch);
    }
  }

  /** One due fragment: measured, cached, and sent to every viewer unless `send` is false. */
  release(f: Fragment, epoch: number, send: boolean): void {
    this.meter.add(f.data.length, Date.now());
    this.gop.add(f);
    if (!send) return;
    for (const v of this.viewers) v.onFragment(f, epoch);
  }

  /** A seek restarts ffmpeg: what the cache holds is of the old timeline. */
  dropCache(): void {
    this.gop.reset();
  }

  /** No ffmpeg any more: this timeline's media is gone (the codecs stay for the list). */
  forget(): void {
    this.current = null;
    this.initEpoch = -1;
    this.gop.reset();
  }

  state(info: ChannelInfo): void {
    for (const v of this.viewers) v.onState(info);
  }

  error(error: PushcastError): void {
    for (const v of this.viewers) v.onError(error);
  }

  /** Forgets every viewer, then tells each `reason` (a deleted channel): a viewer that leaves in reply finds itself gone. */
  detachAll(reason?: PushcastError): void {
    const gone = [...this.viewers];
    this.viewers.clear();
    if (reason) for (const v of gone) v.onError(reason);
  }

  bitsPerSecond(now: number): number | null {
    return this.meter.bitsPerSecond(now);
  }

  private take(init: InitSegment): void {
    this.current = init;
    this.codecs = init.codecs;
  }
}
