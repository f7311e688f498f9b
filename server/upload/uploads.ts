/**
 * Resumable uploads of media over the tus protocol v1.0.0 (https://tus.io/protocols/resumable-upload)
 * at /api/uploads, with @tus/server and @tus/file-store: core, creation (also with upload, deferred
 * length), termination and expiration.
 *
 *   POST   /api/uploads          create (Upload-Length, Upload-Metadata `filename`) → 201 Location
 *   HEAD   /api/uploads/<id>     the offset the server holds (resume from there)
 *   PATCH  /api/uploads/<id>     append at Upload-Offset; the final one answers the outcome
 *   DELETE /api/uploads/<id>     give up (termination)
 *   GET    /api/uploads          unfinished uploads (JSON), so a dashboard can offer to resume them
 *   GET    /api/uploads/<id>     one of them, or the outcome of one that finished lately (this
 *                                process remembers the last 256: HEAD then says "complete", and a
 *                                refused one keeps answering 422)
 *   OPTIONS                      server.ts answers the preflight, with discovery()'s Tus-* headers
 *
 * Every request needs the control token (Authorization: Bearer …). Partial files live in
 * `<dataDir>/uploads/`, never in the media folder, so they are never channels; their bookkeeping is
 * in SQLite (store/uploads.ts through kv.ts). A finished upload is probed and placed (finish.ts):
 * the final PATCH answers 204 with X-Pushcast-Channel / -File / -Vod, or 422 UPLOAD_NOT_VIDEO.
 * CORS comes from server.ts (the one allowlist); tus adds only its Expose-Headers.
 */
import { mkdirSync, promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server, TUS_RESUMABLE, Upload } from '@tus/server';
import { bearerToken } from '../access/auth.js';
import { CommandGate } from '../access/command-gate.js';
import { ErrorCode } from '../core/errors.js';
import { sendError, sendJson } from '../http/error-body.js';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import type { UploadRecords } from '../store/uploads.js';
import { Finisher, type Prober } from './finish.js';
import { tusConfigstore } from './kv.js';
import { finishResponse, listEntry, OUTCOME_HEADERS, sweepIntervalMs, UPLOAD_ID, type FinishOutcome, type HookResponse } from './outcome.js';
import { sweepUploads } from './sweep.js';
import type { TokenGuard } from '../access/token-guard.js';

export const UPLOADS_PATH = '/api/uploads';
/** The folder of partial files inside the data folder. */
export const UPLOADS_DIR = 'uploads';

export interface UploadsOptions {
  config: Pick<Config, 'dataDir' | 'mediaDir' | 'uploadMaxBytes' | 'uploadExpiryMs' | 'probeTimeoutMs'>;
  store: { readonly uploads: UploadRecords };
  controlToken: string;
  /** Wrong tokens per client address over every door (access/token-guard.ts). */
  tokenGuard?: TokenGuard;
  /** null without ffprobe: uploads cannot be checked, so none are accepted (503 UPLOAD_UNAVAILABLE). */
  prober: Prober | null;
  channels: { all(): ReadonlyArray<{ readonly id: string }> };
  /** New files in the media folder become channels now; returns their ids (server.ts). */
  syncMedia: () => string[];
  log: Logger;
}

export interface Uploads {
  /** An ApiRoute (api/routes.ts `extra`): true when it answered. */
  route(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<boolean>;
  /** The Tus-* headers an OPTIONS on an upload path adds to the preflight answer; {} elsewhere. */
  discovery(rawPath: string): Record<string, string>;
  /** Runs the first sweep (uploads a previous run left complete are finished) and starts the timer. */
  start(): void;
  /** Stops the sweep, stops probes in flight (the uploads stay) and waits for running finishes. */
  close(): Promise<void>;
}

const owns = (rawPath: string): boolean => rawPath === UPLOADS_PATH || rawPath.startsWith(`${UPLOADS_PATH}/`);

/** What a finished upload's outcome looks like in GET /api/uploads/<id>. */
function describeOutcome(id: string, o: FinishOutcome): Record<string, unknown> {
  if (o.kind === 'accepted') return { id, state: 'accepted', file: o.file, channel: o.channel, vod: o.vod };
  if (o.kind === 'rejected') return { id, state: 'rejected', error: { code: o.code, message: o.message } };
  return { id, state: o.kind };
}

/**
 * FileStore, plus: an upload that finished lately (its record and partial file are gone) still
 * reads as complete. tus reads the upload back after the finish hook of a POST that carried the
 * whole file, and a client whose final answer was lost asks HEAD: both should hear "complete", not
 * 404 (which makes tus-js-client upload the whole file again).
 */
class FinishedAwareStore extends FileStore {
  constructor(options: ConstructorParameters<typeof FileStore>[0], private readonly finished: (id: string) => Promise<Upload | null>) {
    super(options);
  }

  override async getUpload(id: string): Promise<Upload> {
    try {
      return await super.getUpload(id);
    } catch (err) {
      const done = await this.finished(id);
      if (!done) throw err;
      return done;
    }
  }
}

function sendHook(res: ServerResponse, r: HookResponse, extra: Record<string, string>): void {
  const body = r.body ?? '';
  res.writeHead(r.status_code ?? 204, { ...extra, ...r.headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function createUploads(opts: UploadsOptions): Uploads {
  const { config, log } = opts;
  const records = opts.store.uploads;
  const uploadsDir = path.join(config.dataDir, UPLOADS_DIR);
  // Made here, synchronously: FileStore's own mkdir throws from a callback when it fails.
  mkdirSync(uploadsDir, { recursive: true });
  const datastore = new FinishedAwareStore({ directory: uploadsDir, configstore: tusConfigstore(records), expirationPeriodInMilliseconds: config.uploadExpiryMs }, async (id) => {
    const o = finisher.outcomeOf(id);
    if (o?.kind === 'rejected') return new Upload({ id, offset: 0 }); // the route answers HEAD / PATCH for it
    if (o?.kind !== 'accepted') return null;
    const size = await fsp.stat(path.join(config.mediaDir, o.file)).then((st) => st.size, () => null);
    return size === null ? null : new Upload({ id, size, offset: size });
  });
  const finisher = new Finisher({
    uploadsDir, mediaDir: config.mediaDir, records, probeTimeoutMs: config.probeTimeoutMs, log, syncMedia: opts.syncMedia,
    probe: opts.prober ?? (() => Promise.reject(new Error('no ffprobe'))),
    channelIds: () => opts.channels.all().map((c) => c.id),
  });
  const tus = new Server({
    path: UPLOADS_PATH,
    datastore,
    maxSize: config.uploadMaxBytes,
    relativeLocation: true,
    namingFunction: () => randomBytes(16).toString('hex'),
    // server.ts sets Access-Control-Allow-Origin from pushcast's one allowlist; tus must not add its own.
    allowedOrigins: () => false,
    exposedHeaders: ['Upload-Expires', ...Object.values(OUTCOME_HEADERS)],
    onUploadFinish: async (_req, upload) => finishResponse(await finisher.finish(upload.id, upload.metadata?.['filename'] ?? null)),
  });

  const sweep = () => sweepUploads({ uploadsDir, mediaDir: config.mediaDir, records, finisher, expiryMs: config.uploadExpiryMs, log });
  let sweeping: Promise<unknown> | null = null;
  const sweepNow = (): void => {
    sweeping ??= sweep()
      .catch((err: unknown) => log.warn('upload sweep failed', { error: String(err) }))
      .finally(() => { sweeping = null; });
  };
  let timer: NodeJS.Timeout | null = null;

  const tusHeaders = { 'Tus-Resumable': TUS_RESUMABLE };
  const gate = new CommandGate({ controlToken: opts.controlToken, ...(opts.tokenGuard ? { guard: opts.tokenGuard } : {}) });
  const listUnfinished = async (): Promise<unknown[]> => {
    const out = [];
    for (const id of records.ids()) {
      const info = records.load(id);
      const bytes = await datastore.getUpload(id).then((u) => u.offset, () => null);
      if (!info || bytes === null || (info.size !== undefined && bytes >= info.size)) continue;
      out.push(listEntry(info, bytes, config.uploadExpiryMs));
    }
    return out.reverse(); // newest first
  };

  async function route(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<boolean> {
    if (!owns(rawPath)) return false;
    const id = rawPath === UPLOADS_PATH ? null : rawPath.slice(UPLOADS_PATH.length + 1);
    const method = req.method ?? 'GET';
    if (id !== null && !UPLOAD_ID.test(id)) {
      sendError(req, res, 404, ErrorCode.NOT_FOUND, 'no such upload', tusHeaders);
      return true;
    }
    const allowed = id === null ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD', 'PATCH', 'DELETE'];
    if (!allowed.includes(method)) {
      sendError(req, res, 405, ErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed here`, { ...tusHeaders, Allow: allowed.join(', ') });
      return true;
    }
    // The command gate's token check: wrong tokens count per address over every door (token-guard.ts).
    const token = bearerToken(req.headers.authorization);
    const refusal = token === null
      ? { status: 401, code: ErrorCode.FORBIDDEN, message: 'uploads need the control token (Authorization: Bearer …)', headers: undefined }
      : gate.checkBearer(req.socket.remoteAddress ?? 'unknown', token, Date.now());
    if (refusal) {
      sendError(req, res, refusal.status, refusal.code, refusal.message, { ...tusHeaders, ...refusal.headers });
      return true;
    }
    if (method === 'GET' || (method === 'HEAD' && id === null)) {
      if (id === null) {
        sendJson(req, res, 200, { uploads: await listUnfinished() });
        return true;
      }
      const info = records.load(id);
      const bytes = info ? await datastore.getUpload(id).then((u) => u.offset, () => null) : null;
      const outcome = finisher.outcomeOf(id);
      if (info && bytes !== null) sendJson(req, res, 200, { ...listEntry(info, bytes, config.uploadExpiryMs), state: 'unfinished' });
      else if (outcome) sendJson(req, res, 200, describeOutcome(id, outcome));
      else sendError(req, res, 404, ErrorCode.NOT_FOUND, 'no such upload');
      return true;
    }
    // A finished upload keeps its answer: a refused one says why to HEAD and PATCH (tus-js-client
    // then starts over, and hears it again); a final PATCH sent again gets the same outcome.
    const done = id !== null && (method === 'HEAD' || method === 'PATCH') && !records.load(id) ? finisher.outcomeOf(id) : null;
    if (done?.kind === 'rejected' || (done?.kind === 'accepted' && method === 'PATCH')) {
      const complete = done.kind === 'accepted' ? await datastore.getUpload(id!).then((u) => ({ 'Upload-Offset': String(u.offset) }), () => ({})) : {};
      sendHook(res, finishResponse(done), { ...tusHeaders, ...complete });
      return true;
    }
    // A termination racing the finish would pull the file from under the probe or the link.
    if (method === 'DELETE' && id !== null && finisher.isRunning(id)) {
      sendError(req, res, 409, ErrorCode.UPLOAD_BUSY, 'the upload is being checked and placed: it can no longer be cancelled', tusHeaders);
      return true;
    }
    if (method === 'POST') {
      if (!opts.prober) {
        sendError(req, res, 503, ErrorCode.UPLOAD_UNAVAILABLE, 'uploads are off: no ffprobe to check them', tusHeaders);
        return true;
      }
      const length = Number(req.headers['upload-length']);
      if (Number.isFinite(length) && length > config.uploadMaxBytes) {
        sendError(req, res, 413, ErrorCode.UPLOAD_TOO_LARGE, `uploads may have at most ${config.uploadMaxBytes} bytes (uploadMaxBytes)`, tusHeaders);
        return true;
      }
    }
    await tus.handle(req, res);
    return true;
  }

  return {
    route,
    discovery(rawPath) {
      if (!owns(rawPath)) return {};
      return {
        ...tusHeaders,
        'Tus-Version': TUS_RESUMABLE,
        'Tus-Extension': datastore.extensions.join(','),
        'Tus-Max-Size': String(config.uploadMaxBytes),
      };
    },
    start() {
      if (timer) return;
      sweepNow();
      timer = setInterval(sweepNow, sweepIntervalMs(config.uploadExpiryMs)).unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await finisher.close();
      await sweeping;
    },
  };
}
