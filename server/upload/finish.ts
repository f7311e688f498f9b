/**
 * What happens to an upload whose last byte arrived: ffprobe reads it (outcome.ts judgeProbe
 * decides); a refused one is deleted with its record; a kept one is placed into the media folder
 * under a safe unique name (naming.ts, place.ts) and the media folder is synced at once, so it is a
 * channel and a /vod/ file when the final PATCH is answered.
 *
 * Crash safety: the chosen name is recorded before the file is linked, so a finish cut by a crash
 * is completed by the next start's sweep (the name exists and is the same file) instead of placing
 * the file twice. One finish runs per upload at a time (a sweep and the final PATCH share it), and
 * the outcome is remembered for a while so a client whose final answer was lost can ask for it
 * (GET /api/uploads/<id>).
 */
import { promises as fsp, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProbeResult } from '../ffmpeg/args.js';
import type { ProbeOptions } from '../ffmpeg/probe.js';
import { vodUrl } from '../library/media-library.js';
import type { Logger } from '../runtime/log.js';
import type { UploadRecords } from '../store/uploads.js';
import { mediaFileName } from './naming.js';
import { judgeProbe, type FinishOutcome } from './outcome.js';
import { placeUpload, type PlaceOps } from './place.js';

export type Prober = (url: string, opts?: ProbeOptions) => Promise<ProbeResult>;

export interface FinisherOptions {
  uploadsDir: string;
  mediaDir: string;
  records: UploadRecords;
  probe: Prober;
  probeTimeoutMs: number;
  /** Ids of the channels there are now: a new file's stem must not be one of them. */
  channelIds: () => Iterable<string>;
  /** Turns new files in the media folder into channels; returns the new ids (server.ts syncMedia). */
  syncMedia: () => string[];
  log: Logger;
  ops?: PlaceOps;
}

/** Outcomes remembered for GET /api/uploads/<id> after the record is gone. */
const REMEMBERED = 256;

const stemOf = (name: string): string => path.basename(name, path.extname(name));

async function statOrNull(file: string): Promise<{ dev: number; ino: number } | null> {
  return fsp.stat(file).then((s) => ({ dev: s.dev, ino: s.ino }), () => null);
}

export class Finisher {
  private readonly running = new Map<string, Promise<FinishOutcome>>();
  private readonly recent = new Map<string, FinishOutcome>();
  private readonly stop = new AbortController();

  constructor(private readonly opts: FinisherOptions) {}

  /** The outcome of a finish that ran lately, if this process remembers one. */
  outcomeOf(id: string): FinishOutcome | null {
    return this.recent.get(id) ?? null;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Finishes upload `id` (once, however many callers ask at the same time). */
  finish(id: string, clientName: string | null): Promise<FinishOutcome> {
    if (this.stop.signal.aborted) return Promise.resolve({ kind: 'interrupted' });
    const known = this.recent.get(id);
    // The record is gone once a finish decided: a second final PATCH gets the same answer.
    if (known && known.kind !== 'failed' && !this.opts.records.load(id)) return Promise.resolve(known);
    let p = this.running.get(id);
    if (!p) {
      p = this.run(id, clientName)
        .catch((err: unknown): FinishOutcome => ({ kind: 'failed', message: (err as Error).message }))
        .then((outcome) => {
          this.remember(id, outcome);
          return outcome;
        })
        .finally(() => this.running.delete(id));
      this.running.set(id, p);
    }
    return p;
  }

  /** Stops probes in flight (their uploads stay for the next start) and waits for every finish. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private remember(id: string, outcome: FinishOutcome): void {
    if (outcome.kind === 'interrupted') return;
    this.recent.delete(id);
    this.recent.set(id, outcome);
    for (const old of this.recent.keys()) {
      if (this.recent.size <= REMEMBERED) break;
      this.recent.delete(old);
    }
  }

  private async run(id: string, clientName: string | null): Promise<FinishOutcome> {
    const { records, log } = this.opts;
    const source = path.join(this.opts.uploadsDir, id);
    const done = await this.completeEarlierFinish(id, source);
    if (done) return done;

    let verdict;
    const url = `file:${path.resolve(source)}`;
    try {
      verdict = judgeProbe(await this.opts.probe(url, { timeoutMs: this.opts.probeTimeoutMs, signal: this.stop.signal }));
    } catch (err) {
      if (this.stop.signal.aborted) return { kind: 'interrupted' };
      // ffprobe names the file it read: the client gets the reason, not the server's folders.
      verdict = judgeProbe(null, new Error(this.scrub(String((err as Error).message).split(url).join('the upload'))));
    }
    if (this.stop.signal.aborted) return { kind: 'interrupted' };
    if (!verdict.ok) {
      await fsp.rm(source, { force: true });
      records.remove(id);
      log.warn('upload refused', { upload: id, code: verdict.code, reason: verdict.message });
      return { kind: 'rejected', code: verdict.code, message: verdict.message };
    }

    let name: string;
    try {
      name = await placeUpload({
        source,
        uploadId: id,
        mediaDir: this.opts.mediaDir,
        chooseName: (meanwhile) => mediaFileName(clientName, this.takenIds(meanwhile)),
        onChosen: (chosen) => records.setTarget(id, chosen),
        ...(this.opts.ops ? { ops: this.opts.ops } : {}),
      });
    } catch (err) {
      records.setTarget(id, null);
      log.error('upload could not be placed in the media folder', { upload: id, error: String(err) });
      return { kind: 'failed', message: this.scrub((err as Error).message) };
    }
    records.remove(id);
    return this.accepted(id, name);
  }

  /** A message without the server's folders (ffmpeg and the file system name full paths). */
  private scrub(message: string): string {
    return message
      .split(path.resolve(this.opts.uploadsDir)).join('<uploads>')
      .split(path.resolve(this.opts.mediaDir)).join('<media>');
  }

  /**
   * A finish that a crash cut after the link: the recorded name exists and is the upload's file
   * (or the upload is already unlinked). Completes it; null when there is nothing to complete.
   */
  private async completeEarlierFinish(id: string, source: string): Promise<FinishOutcome | null> {
    const target = this.opts.records.target(id);
    if (target === null) return null;
    const placed = await statOrNull(path.join(this.opts.mediaDir, target));
    const upload = await statOrNull(source);
    if (!placed || (upload && (upload.dev !== placed.dev || upload.ino !== placed.ino))) return null;
    await fsp.rm(source, { force: true });
    this.opts.records.remove(id);
    this.opts.log.info('completed a finish cut short by a restart', { upload: id, file: target });
    return this.accepted(id, target);
  }

  private accepted(id: string, name: string): FinishOutcome {
    const added = this.opts.syncMedia();
    const stem = stemOf(name);
    const channel = added.includes(stem) || [...this.opts.channelIds()].includes(stem) ? stem : null;
    this.opts.log.info('upload accepted', { upload: id, file: name, channel });
    return { kind: 'accepted', file: name, channel, vod: vodUrl(name) };
  }

  /** The id test for the naming policy: channels, stems in the media folder, names found taken (any case). */
  private takenIds(meanwhile: ReadonlySet<string>): (id: string) => boolean {
    const taken = new Set<string>();
    for (const id of this.opts.channelIds()) taken.add(id.toLowerCase());
    let names: string[] = [];
    try {
      names = readdirSync(this.opts.mediaDir);
    } catch {
      // no folder: placing fails with its own error
    }
    for (const n of [...names, ...meanwhile]) taken.add(stemOf(n).toLowerCase());
    return (id) => taken.has(id.toLowerCase());
  }
}
