/**
 * A small tus v1.0.0 client over fetch for tests (what tus-js-client sends, without its retries),
 * and `cutPatch`: a PATCH that announces the whole rest but sends only part of it, then drops the
 * connection, the way a network failure leaves an upload.
 */
import { statSync } from 'node:fs';
import http from 'node:http';

export const TUS = { 'Tus-Resumable': '1.0.0' } as const;

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** Upload-Metadata: comma-separated `key base64(value)` pairs. */
export function tusMetadata(meta: Record<string, string>): string {
  return Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`).join(',');
}

/** POST /api/uploads; resolves with the response and the absolute upload URL (null when refused). */
export async function createUpload(base: string, token: string | null, size: number, filename?: string, extra: Record<string, string> = {}): Promise<{ res: Response; url: string | null }> {
  const headers: Record<string, string> = { ...TUS, 'Upload-Length': String(size), ...(token ? bearer(token) : {}), ...extra };
  if (filename !== undefined) headers['Upload-Metadata'] = tusMetadata({ filename });
  const res = await fetch(`${base}/api/uploads`, { method: 'POST', headers });
  const location = res.headers.get('location');
  return { res, url: location ? new URL(location, base).href : null };
}

export function patchUpload(url: string, token: string, offset: number, body: Uint8Array): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: { ...TUS, ...bearer(token), 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
    body: body as Uint8Array<ArrayBuffer>,
  });
}

export function headUpload(url: string, token: string): Promise<Response> {
  return fetch(url, { method: 'HEAD', headers: { ...TUS, ...bearer(token) } });
}

/** Creates an upload and sends all of `bytes` in one PATCH; resolves with the final PATCH's response. */
export async function uploadWhole(base: string, token: string, bytes: Uint8Array, filename: string): Promise<Response> {
  const { res, url } = await createUpload(base, token, bytes.length, filename);
  if (res.status !== 201 || !url) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return patchUpload(url, token, 0, bytes);
}

/**
 * A PATCH at `offset` that declares every remaining byte but sends only `sent` of them, waits until
 * `partialFile` (the server's partial file) holds offset + sent bytes, then destroys the socket.
 */
export async function cutPatch(url: string, token: string, offset: number, rest: Buffer, sent: number, partialFile: string): Promise<void> {
  const req = http.request(url, {
    method: 'PATCH',
    headers: { ...TUS, ...bearer(token), 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(rest.length) },
  });
  req.on('error', () => {}); // the reset we cause
  req.write(rest.subarray(0, sent));
  const deadline = Date.now() + 10_000;
  while ((statSync(partialFile, { throwIfNoEntry: false })?.size ?? 0) < offset + sent) {
    if (Date.now() > deadline) throw new Error('the server never wrote the bytes sent');
    await new Promise((r) => setTimeout(r, 20));
  }
  req.destroy();
}
