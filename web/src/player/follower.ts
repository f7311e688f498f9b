/**
 * Keeps the <video> where the channel is, once a timeline plays:
 *  - file channels follow the channel's shared playhead (`state` + the clock offset) through the
 *    SyncController (sync.ts), never the live-edge controller, which would chase the buffered end
 *    (~1 s ahead of the playhead by design);
 *  - live channels stay near the live edge (LiveEdgeController, live-edge.ts); a paused live
 *    channel pauses the video, and its `play` either brings a new epoch (autoplayed when its first
 *    fragment is appended) or, if the picture on screen is already the current timeline, resumes it.
 * It only reads the timeline identity (`isOnScreen`, timeline.ts) from the MSE path; it never
 * changes the pipeline or the player's state.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import type { Session } from './session.js';
import { channelTime, type SyncTarget } from './sync.js';

export interface FollowerHost {
  /** Is `epoch` (on the socket open now) the timeline a working pipeline plays? */
  isOnScreen(epoch: number): boolean;
  /** The player is in `playing`. */
  playing(): boolean;
  /** play() the video, autoplay policy aware; null: the player must not call play() itself. */
  play: ((video: HTMLVideoElement) => Promise<void>) | null;
}

export class Follower {
  /** Live channels: we paused the video because the channel was paused; play when it resumes. */
  private resumeOnPlay = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly session: Session,
    private readonly host: FollowerHost,
  ) {}

  /** A new timeline (MediaSource) replaces the old one: forget its delay, progress and drift. */
  newTimeline(): void {
    const s = this.session;
    s.delay.reset();
    s.liveEdge.resetProgress();
    s.sync.reset();
  }

  /** The MSE path is over (progressive fallback): drop a pending "play in N ms" and live resume. */
  stop(): void {
    this.session.sync.reset();
    this.resumeOnPlay = false;
  }

  /** The first fragment of a timeline was appended (the state just became `playing`). */
  firstFragment(): void {
    const info = this.session.channelInfo;
    if (info?.kind === 'file') {
      // The sync policy seeks to the channel's position and plays (or not: paused channel) itself.
      this.session.sync.tick(this.syncTarget());
      return;
    }
    if (info && !info.playing) {
      this.resumeOnPlay = true; // a held live channel: its picture waits for `play`
      return;
    }
    this.resumeOnPlay = false;
    this.playIfPaused();
  }

  /**
   * A fragment was appended while playing: a file channel's joiner that waits for the frame it
   * should land on (sync.ts rule 6, `wait-for-data`) jumps as soon as it is there, not a tick later.
   */
  fragmentAppended(): void {
    const s = this.session;
    if (s.channelInfo?.kind === 'file' && s.sync.lastReason === 'wait-for-data') s.sync.tick(this.syncTarget());
  }

  /** Applies a new channel state at once (not at the next tick), so pause and seek show quickly. */
  follow(info: ChannelInfo): void {
    const video = this.video;
    if (info.kind === 'file') {
      if (this.host.playing()) this.session.sync.tick(this.syncTarget());
      return;
    }
    if (!info.playing) {
      if (!video.paused) video.pause();
      this.resumeOnPlay = true;
    } else if (this.resumeOnPlay && this.host.playing() && this.host.isOnScreen(info.epoch)) {
      this.resumeOnPlay = false;
      this.playIfPaused();
    }
  }

  /** One tick while playing: file channels follow the shared playhead, live ones the live edge. */
  tick(now: number): void {
    const s = this.session;
    const kind = s.channelInfo?.kind;
    if (kind === 'file') s.sync.tick(this.syncTarget());
    else if (kind !== undefined) s.liveEdge.tick(now);
  }

  /**
   * Where the channel is now on our media timeline, or null when we cannot tell: no state or
   * clock offset yet, or the state is about another timeline than the one on screen (a seek's new
   * epoch before its `mse`; epochs only compare within one connection: timeline.ts).
   */
  private syncTarget(): SyncTarget | null {
    const s = this.session;
    const info = s.channelInfo;
    const offset = s.clock.best?.offsetMs;
    if (!info || !this.host.isOnScreen(info.epoch) || offset === undefined) return null;
    return { mediaTime: channelTime(info, Date.now() + offset), playing: info.playing };
  }

  private playIfPaused(): void {
    if (this.host.play && this.video.paused) void this.host.play(this.video);
  }
}
