/**
 * Builds the channel set from the config: the built-in test pattern, one looping channel per video
 * file in the media folder, and the configured channels (files or any ffmpeg URL); channels added
 * and removed at runtime come through addRuntime / remove (runtime-channels.ts decides who may).
 * It owns what the channels share: the ffmpeg slots (config.maxFfmpeg) and the set of every
 * ffmpeg / ffprobe child, which close() stops and waits for.
 */
import { Channel } from './channel.js';
import { ErrorCode, PushcastError } from '../core/errors.js';
import type { ChannelOrigin } from '../core/protocol.js';
import type { ResumePoint } from './timeline.js';
import { ChildSet } from '../runtime/children.js';
import type { ChannelConfig, Config } from '../runtime/config.js';
import type { OutputTuning } from '../ffmpeg/args.js';
import { FfmpegSlots } from '../ffmpeg/slots.js';
import type { Logger } from '../runtime/log.js';
import { listChannelFiles, vodUrlOfFile } from '../library/media-library.js';
import { fileSource, findFont, isUrl, liveSource, testPatternSource, type ChannelSource, type Prober } from './sources.js';

/**
 * File-channel pacing: viewers get fragments up to 1 s ahead of the shared playhead (enough to
 * ride out a hiccup, little enough that pause and seek show at once); ffmpeg reads 3 s ahead; 30 s
 * (≤ 64 MiB) of released fragments stay around so most seeks replay them without a new ffmpeg.
 */
const PACE = { leadSec: 1, readAheadSec: 3, historySec: 30, historyMaxBytes: 64 * 1024 * 1024 };
/** Viewers get the channel state at least this often, ms (clients also use it to check drift). */
const STATE_INTERVAL_MS = 1_000;

export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private readonly tuning: OutputTuning;
  /** Every ffmpeg and ffprobe the channels run (also those a seek replaced), for shutdown. */
  readonly children = new ChildSet();
  /** At most config.maxFfmpeg ffmpeg processes over all channels. */
  readonly slots: FfmpegSlots;
  private closed = false;

  /**
   * `resume` answers where a file channel stood when the process last ended (playhead-keeper.ts);
   * it is asked once, when the channel is made.
   */
  constructor(
    private readonly config: Config, private readonly ffmpegPath: string, private readonly probe: Prober, private readonly log: Logger,
    private readonly resume: (id: string) => ResumePoint | null = () => null,
  ) {
    this.tuning = { fragmentMs: config.fragmentMs, keyframeIntervalSec: config.keyframeIntervalSec };
    this.slots = new FfmpegSlots(config.maxFfmpeg);
    if (config.testPattern) {
      const font = findFont();
      if (!font) log.warn('no font found: the test pattern runs without its burned-in clock (install fonts-dejavu-core)');
      this.add('test', testPatternSource(font), { origin: 'builtin' });
    }
    for (const ch of config.channels) {
      const source = isUrl(ch.source)
        ? liveSource(ch.source, probe, ch.transcode)
        : fileSource(ch.source.replace(/^file:(\/\/)?/i, ''), probe, ch.transcode);
      this.add(ch.id, source, { keepAlive: ch.keepAlive ?? false, openControl: ch.openControl ?? false, vod: isUrl(ch.source) ? null : this.vodPath(ch.source), origin: 'config' });
    }
    this.syncMediaFiles();
  }

  /**
   * Adds a channel for every video file in the media folder that has none yet (files dropped in
   * while the server runs, or the sample clip generated after start). Returns the new ids.
   * Removed files keep their channel: its ffmpeg fails and reports the missing file.
   */
  syncMediaFiles(): string[] {
    if (this.closed) return [];
    const added: string[] = [];
    for (const { id, file } of listChannelFiles(this.config.mediaDir)) {
      if (this.channels.has(id)) continue;
      this.add(id, fileSource(file, this.probe), { vod: this.vodPath(file), origin: 'media' });
      added.push(id);
    }
    return added;
  }

  /** The file's `/vod/` URL, from the media library (the same one /api/media lists). */
  private vodPath(file: string): string | null {
    return vodUrlOfFile(this.config.mediaDir, file);
  }

  /**
   * A channel added while the server runs (channel/runtime-channels.ts checked it): `file` is the
   * source's real path inside the media folder and its /vod/ URL, or null for a URL source. Null
   * when the id is taken or the registry is closed.
   */
  addRuntime(ch: ChannelConfig, file: { path: string; vod: string | null } | null): Channel | null {
    if (this.closed || this.channels.has(ch.id)) return null;
    const source = file ? fileSource(file.path, this.probe, ch.transcode) : liveSource(ch.source, this.probe, ch.transcode);
    return this.add(ch.id, source, { keepAlive: ch.keepAlive ?? false, openControl: ch.openControl ?? false, vod: file?.vod ?? null, origin: 'runtime' });
  }

  /** Takes a channel out: its viewers are told CHANNEL_DELETED and detached, its ffmpeg stops. */
  async remove(id: string): Promise<boolean> {
    const channel = this.channels.get(id);
    if (!channel) return false;
    this.channels.delete(id);
    await channel.close(new PushcastError(ErrorCode.CHANNEL_DELETED, `channel "${id}" was deleted`));
    return true;
  }

  private add(id: string, source: ChannelSource, extra: { keepAlive?: boolean; openControl?: boolean; vod?: string | null; origin: ChannelOrigin }): Channel | null {
    if (this.channels.has(id)) {
      this.log.warn('duplicate channel id ignored', { channel: id });
      return null;
    }
    const { config } = this;
    const channel = new Channel({
      id, source, tuning: this.tuning,
      resume: source.kind === 'file' ? this.resume(id) : null,
      keepAlive: extra.keepAlive ?? false,
      openControl: extra.openControl ?? false,
      vod: extra.vod ?? null,
      origin: extra.origin,
      ffmpegPath: this.ffmpegPath,
      idleStopMs: config.idleStopMs,
      stopTimeoutMs: config.stopTimeoutMs,
      restartMinMs: config.restartMinMs,
      restartMaxMs: config.restartMaxMs,
      maxStartAttempts: config.maxStartAttempts,
      errorRetryMs: config.errorRetryMs,
      gopCacheMaxBytes: config.gopCacheMaxBytes,
      stallTimeoutMs: config.stallTimeoutMs,
      probeTimeoutMs: config.probeTimeoutMs,
      maxViewers: config.maxViewersPerChannel,
      slots: this.slots,
      children: this.children,
      pace: PACE,
      stateIntervalMs: STATE_INTERVAL_MS,
      log: this.log.child('channel'),
    });
    this.channels.set(id, channel);
    void channel.prime();
    return channel;
  }

  get(id: string): Channel | undefined {
    return this.channels.get(id);
  }

  all(): Channel[] {
    return [...this.channels.values()];
  }

  startAlwaysOn(): void {
    for (const ch of this.channels.values()) ch.start();
  }

  /**
   * Stops every channel, then every child still running (probes, ffmpegs a seek replaced):
   * SIGTERM, SIGKILL after stopTimeoutMs. Resolves when no child of ours is left.
   */
  /** SIGKILL every child at once (a forced exit: second signal, hung shutdown). */
  killAll(): void {
    this.children.killAll();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all().map((c) => c.close()));
    await this.children.stopAll(this.config.stopTimeoutMs);
  }
}
