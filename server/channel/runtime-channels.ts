/**
 * Channels added and removed while the server runs (POST / DELETE /api/channels, api/channels.ts).
 *
 * add:     request → source-policy.ts (pure rules) → a file source resolved on disk (realpath inside
 *          the media folder) → not taken → stored (store/channels.ts) → made by the registry →
 *          hooked into the server (`watch`: overview, metrics) → started if keep-alive.
 * remove:  only channels added here (origin `runtime`); the config file's, the media folder's and
 *          the test pattern's answer CHANNEL_READ_ONLY. The row and the saved playhead go, then the
 *          registry closes the channel: its viewers get CHANNEL_DELETED, its ffmpeg stops.
 * restore: at start, after the config's and the media folder's channels, every stored row passes
 *          the same checks again (the rules or the files may have changed); one that fails, or whose
 *          id is now taken, is skipped with a warning and kept in the database.
 *
 * Every accepted source's password and secret parameters are registered with redact.ts, as
 * server.ts does for configured channels, so they are masked wherever they could leave the process.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './registry.js';
import { checkChannelRequest, type Checked } from './source-policy.js';
import { ErrorCode } from '../core/errors.js';
import { vodUrl } from '../library/media-library.js';
import type { ChannelConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { addSecretsFromUrl } from '../runtime/redact.js';
import type { StoredChannel } from '../store/channels.js';

/** The store side (store/channels.ts RuntimeChannelStore). */
export interface RuntimeChannelSink {
  list(): StoredChannel[];
  save(c: StoredChannel): void;
  delete(id: string): boolean;
}

export interface RuntimeChannelsOptions {
  registry: ChannelRegistry;
  store: RuntimeChannelSink;
  mediaDir: string;
  /** config.allowedSourceSchemes. */
  allowedSchemes: readonly string[];
  log: Logger;
  /** Hooks a channel made by add() into the server; restore() runs before listen(), which hooks every channel. */
  watch?: (channel: Channel) => void;
  /** Forgets what else was kept for a deleted channel (its saved playhead). */
  forget?: (id: string) => void;
}

type FileTarget = { path: string; vod: string | null } | null;

const refuse = (code: ErrorCode, message: string): { ok: false; code: ErrorCode; message: string } => ({ ok: false, code, message });

/** How a read-only channel's origin reads in a refusal. */
const ORIGIN_TEXT: Record<string, string> = { config: 'the config file', media: 'the media folder', builtin: 'the built-in test pattern' };

export class RuntimeChannels {
  constructor(private readonly opts: RuntimeChannelsOptions) {}

  /** The service with the stored channels made again (restore()): what server.ts calls at start. */
  static open(opts: RuntimeChannelsOptions): RuntimeChannels {
    const runtime = new RuntimeChannels(opts);
    runtime.restore();
    return runtime;
  }

  /** Makes the stored channels again (see the top of the file); returns the ids made. */
  restore(): string[] {
    const { registry, log } = this.opts;
    const made: string[] = [];
    for (const { createdAt: _at, ...stored } of this.opts.store.list()) {
      addSecretsFromUrl(stored.source); // first: the warnings below must not carry it either
      const taken = registry.get(stored.id);
      if (taken) {
        log.warn('stored runtime channel skipped: its id is taken', { channel: stored.id, by: taken.info().origin });
        continue;
      }
      const prepared = this.prepare(stored);
      if (!prepared.ok) {
        log.warn('stored runtime channel skipped: its source no longer passes', { channel: stored.id, code: prepared.code, error: prepared.message });
        continue;
      }
      if (registry.addRuntime(prepared.value.channel, prepared.value.file)) made.push(stored.id);
    }
    if (made.length > 0) log.info('runtime channels restored', { channels: made });
    return made;
  }

  /** A request body (already JSON) → the new channel, or the first rule it broke. */
  add(body: unknown): Checked<Channel> {
    const { registry, log } = this.opts;
    const prepared = this.prepare(body);
    if (!prepared.ok) return prepared;
    const { channel: cfg, file } = prepared.value;
    // Ids differing only in case are one channel to a person (and to a case-insensitive file system).
    const clash = registry.all().find((c) => c.id.toLowerCase() === cfg.id.toLowerCase());
    if (clash) return refuse(ErrorCode.CHANNEL_EXISTS, clash.id === cfg.id ? `a channel "${cfg.id}" exists already` : `a channel "${clash.id}" exists already (ids differing only in case are the same)`);
    addSecretsFromUrl(cfg.source);
    // Stored first: a database that cannot write throws here (500) and leaves no channel behind.
    this.opts.store.save({ ...cfg, createdAt: Date.now() });
    const channel = registry.addRuntime(cfg, file);
    if (!channel) {
      this.opts.store.delete(cfg.id);
      return refuse(ErrorCode.SHUTTING_DOWN, 'the server is shutting down');
    }
    this.opts.watch?.(channel);
    channel.start(); // keep-alive channels start now; the others with their first viewer
    log.info('channel added', { channel: cfg.id, kind: channel.kind, source: channel.info().source, keepAlive: cfg.keepAlive });
    return { ok: true, value: channel };
  }

  /** Deletes a channel added at runtime; resolves once its ffmpeg has stopped. */
  async remove(id: string): Promise<Checked<string>> {
    const channel = this.opts.registry.get(id);
    if (!channel) return refuse(ErrorCode.UNKNOWN_CHANNEL, 'no such channel');
    const origin = channel.info().origin;
    if (origin !== 'runtime') {
      return refuse(ErrorCode.CHANNEL_READ_ONLY, `channel "${id}" comes from ${ORIGIN_TEXT[origin ?? ''] ?? 'the server'}; only channels added at runtime can be deleted`);
    }
    this.opts.store.delete(id);
    this.opts.forget?.(id);
    const viewers = channel.viewerCount;
    await this.opts.registry.remove(id);
    this.opts.log.info('channel deleted', { channel: id, viewers });
    return { ok: true, value: id };
  }

  /** The rules, then the disk for a file source. */
  private prepare(body: unknown): Checked<{ channel: Required<ChannelConfig>; file: FileTarget }> {
    const checked = checkChannelRequest(body, { allowedSchemes: this.opts.allowedSchemes, mediaDir: this.opts.mediaDir });
    if (!checked.ok) return checked;
    const { channel, target } = checked.value;
    if (target.kind === 'url') return { ok: true, value: { channel, file: null } };
    const file = resolveMediaFile(this.opts.mediaDir, target.segments);
    return file.ok ? { ok: true, value: { channel, file: file.value } } : file;
  }
}

/**
 * Segments below the media folder → the real path of a regular, non-hidden file inside it, and
 * its /vod/ URL. realpath() follows every symlink, so one that leads out is caught here, as
 * /vod/ does (http/safe-path.ts, async and for percent-encoded URL paths; a source is a literal
 * name, checked synchronously at start and on a POST: a few stat calls). ffmpeg gets the real,
 * absolute path, which it can never mistake for a protocol prefix.
 */
export function resolveMediaFile(mediaDir: string, segments: readonly string[]): Checked<{ path: string; vod: string | null }> {
  const name = segments.join('/').slice(0, 200);
  let root: string;
  let real: string;
  try {
    root = realpathSync(mediaDir);
  } catch {
    return refuse(ErrorCode.BAD_SOURCE, 'the media folder cannot be read');
  }
  try {
    real = realpathSync(path.join(root, ...segments));
  } catch {
    return refuse(ErrorCode.BAD_SOURCE, `no file "${name}" in the media folder`);
  }
  const rel = path.relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return refuse(ErrorCode.SOURCE_OUTSIDE_MEDIA, `"${name}" leads out of the media folder (a symlink)`);
  }
  const parts = rel.split(path.sep);
  if (parts.some((p) => p.startsWith('.'))) return refuse(ErrorCode.BAD_SOURCE, `"${name}" leads to a hidden file or folder`);
  let isFile = false;
  try {
    isFile = statSync(real).isFile();
  } catch {
    // removed between the two calls: not a file
  }
  if (!isFile) return refuse(ErrorCode.BAD_SOURCE, `"${name}" is not a regular file`);
  return { ok: true, value: { path: real, vod: vodUrl(parts.join('/')) } };
}
