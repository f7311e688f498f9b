/**
 * HTTP fuzz of /vod/ (issue 9): ≥ 10,000 random Range headers and ≥ 10,000 hostile paths against
 * the real server. Never a 5xx, never a byte from outside the media folder, and the server stays up.
 *
 * "Outside" is made checkable: canary files with a unique random content lie next to the media
 * folder, and symlinks inside it point at them (and at the parent folder); no response body may
 * contain the canary (nor /etc/passwd's first line). Ranges are checked against the file's bytes:
 * a 206 must hold exactly the ranges its Content-Range (or multipart parts) claim.
 * Seeded: FUZZ_SEED=<n> replays a run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { makeWorkDir, spawnServer, type SpawnedServer, type WorkDir } from '../../helpers/spawn-server.js';
import { seededRandom } from '../../helpers/random.js';

const ffmpeg = await findTestFfmpeg();

const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = 10_000;
/** Requests in flight at once over the keep-alive agent. */
const PARALLEL = 8;
/** Each fuzz run stops here even if unfinished (and then fails for too few requests), ms. */
const RUN_BUDGET_MS = 70_000;

const CANARY = `PUSHCAST-CANARY-${randomBytes(16).toString('hex')}`;
const PASSWD_MARK = 'root:x:0:0:';

/** Reproducible randomness: test/helpers/random.ts. */
const rng = seededRandom;

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

/** Runs `count` requests made by `make(i)`, PARALLEL at a time, and hands each answer to `check`. */
async function pool(count: number, make: (i: number) => { path: string; method?: string; headers?: Record<string, string> }, check: (i: number, a: Answer, req: { path: string; headers?: Record<string, string> }) => void, port: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
  const deadline = Date.now() + RUN_BUDGET_MS;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      const req = make(i);
      const answer = await new Promise<Answer>((resolve) => {
        const r = http.request({ host: '127.0.0.1', port, path: req.path, method: req.method ?? 'GET', headers: req.headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', () => resolve({ status: -1, headers: {}, body: Buffer.concat(chunks) }));
        });
        r.setTimeout(10_000, () => r.destroy(new Error('timeout')));
        r.on('error', (err) => resolve({ status: -1, headers: {}, body: Buffer.from(String(err)) }));
        r.end();
      });
      check(i, answer, req);
      done++;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  agent.destroy();
  return done;
}

/** Parts of a multipart/byteranges body (RFC 9110 §14.6): each part's Content-Range and bytes. */
function multipartParts(body: Buffer, boundary: string): Array<{ range: string | null; data: Buffer }> | null {
  const delim = Buffer.from(`--${boundary}`);
  const parts: Array<{ range: string | null; data: Buffer }> = [];
  let at = body.indexOf(delim);
  if (at === -1) return null;
  for (;;) {
    const afterDelim = at + delim.length;
    if (body.subarray(afterDelim, afterDelim + 2).toString() === '--') return parts; // closing delimiter
    const headEnd = body.indexOf('\r\n\r\n', afterDelim);
    if (headEnd === -1) return null;
    const head = body.subarray(afterDelim, headEnd).toString('latin1');
    const nextDelim = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (nextDelim === -1) return null;
    parts.push({ range: /content-range:\s*([^\r\n]+)/i.exec(head)?.[1] ?? null, data: body.subarray(headEnd + 4, nextDelim) });
    at = nextDelim + 2;
  }
}

describe.skipIf(!ffmpeg)(`attack: /vod/ fuzz (FUZZ_SEED=${SEED})`, () => {
  let server: SpawnedServer;
  let work: WorkDir;
  let clip: Buffer;
  const problems: string[] = [];
  const note = (p: string): void => {
    if (problems.length < 200) problems.push(p);
  };

  /** Outside-bytes check for every response, whatever was asked. */
  function checkNoLeak(what: string, a: Answer): void {
    if (a.status >= 500) note(`${a.status} for ${what}: ${a.body.toString('utf8').slice(0, 200)}`);
    if (a.status === -1) note(`no answer for ${what}: ${a.body.toString('utf8').slice(0, 200)}`);
    if (a.body.includes(CANARY)) note(`CANARY (a file outside the media folder) in the answer to ${what}`);
    if (a.body.includes(PASSWD_MARK)) note(`/etc/passwd in the answer to ${what}`);
  }

  beforeAll(async () => {
    work = await makeWorkDir(ffmpeg!);
    clip = readFileSync(path.join(work.mediaDir, 'clip.mp4'));
    const canaryBody = `${CANARY}\n`.repeat(200);
    // Outside the media folder, next to it.
    writeFileSync(path.join(work.dir, 'canary.mp4'), canaryBody);
    writeFileSync(path.join(work.dir, 'canary.txt'), canaryBody);
    // Inside: a subfolder, a symlink that stays inside, and symlinks that lead out.
    mkdirSync(path.join(work.mediaDir, 'sub'));
    copyFileSync(path.join(work.mediaDir, 'clip.mp4'), path.join(work.mediaDir, 'sub', 'inner.mp4'));
    symlinkSync('clip.mp4', path.join(work.mediaDir, 'inside-link.mp4'));
    symlinkSync('../canary.mp4', path.join(work.mediaDir, 'escape.mp4'));
    symlinkSync(path.join(work.dir, 'canary.txt'), path.join(work.mediaDir, 'abs-escape.txt'));
    symlinkSync('..', path.join(work.mediaDir, 'updir'));
    symlinkSync('../..', path.join(work.mediaDir, 'sub', 'up2'));
    server = await spawnServer({ ffmpeg: ffmpeg!, work });
    // The fixture is what we think: the file is served, and is served whole.
    const whole = await server.get('/vod/clip.mp4');
    expect(whole.status).toBe(200);
    expect(whole.body.equals(clip)).toBe(true);
    expect(whole.headers['x-pushcast-variant'] ?? 'original').toBe('original');
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    work?.remove();
  });

  it(`answers ${REQUESTS} random Range headers with 200, 206 of exactly the asked bytes, or 416, never a 5xx`, async () => {
    const r = rng(SEED);
    const int = (n: number): number => Math.floor(r() * n);
    const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)] as T;
    const size = clip.length;
    const pos = (): string => String(pick([0, 1, int(size), size - 1, size, size + 1, int(size * 2), 2 ** 31, 2 ** 53, 2 ** 53 + 1]));
    const huge = (): string => pick(['99999999999999999999', '18446744073709551616', '1e400', '0x10', '1e3', '-0', '00000000000000000001', '9'.repeat(400)]);
    const spec = (): string => pick([
      () => `${pos()}-${pos()}`, () => `${pos()}-`, () => `-${pos()}`, () => `${huge()}-${pos()}`, () => `${pos()}-${huge()}`,
      () => `-${huge()}`, () => `--${int(9)}`, () => `${int(9)}--${int(9)}`, () => ' ', () => '', () => '-', () => `${int(size)} - ${int(size)}`,
    ])();
    let knownAnswers = 0;
    const make = (i: number) => {
      const kind = i % 10;
      let range: string;
      let known: [number, number] | null = null;
      if (kind === 0) { // a plain valid range: the answer is known exactly
        const a = int(size);
        const b = a + int(size - a);
        range = `bytes=${a}-${b}`;
        known = [a, b];
      } else if (kind <= 3) range = `bytes=${spec()}`;
      else if (kind <= 5) range = `bytes=${Array.from({ length: 2 + int(pick([4, 30, 300])) }, spec).join(pick([',', ', ', ' ,', ',,']))}`;
      else if (kind === 6) range = pick(['bytes', 'bytes=', 'bytes=,', 'items=0-1', 'BYTES=0-1', 'bytes =0-1', ' bytes=0-1', 'bytes=0-1;2-3', 'bytes=a-b', 'bytes=0-1,', 'bytes=\t0-1', `bytes=${'0-1,'.repeat(2_000)}0-1`]);
      else if (kind === 7) range = `bytes=${Buffer.from(pick(['０-１', '٠-٩', '1–2', '0-\u00a0', '𝟎-𝟗', 'é-ü']), 'utf8').toString('latin1')}`;
      else if (kind === 8) range = Array.from({ length: int(40) }, () => String.fromCharCode(0x20 + int(95))).join('');
      else range = `bytes=${spec()}, ${spec()}`;
      const headers: Record<string, string> = { Range: range };
      if (int(20) === 0) headers['If-Range'] = pick(['"nope"', 'W/"weak"', 'Thu, 01 Jan 1970 00:00:00 GMT', 'garbage']);
      return { path: pick(['/vod/clip.mp4', '/vod/sub/inner.mp4', '/vod/inside-link.mp4']), headers, known };
    };
    const knownOf: Array<[number, number] | null> = [];
    const started = Date.now();
    const done = await pool(REQUESTS, (i) => {
      const m = make(i);
      knownOf[i] = m.known;
      return m;
    }, (i, a, req) => {
      const what = `Range ${JSON.stringify(req.headers?.['Range']?.slice(0, 120))} on ${req.path}`;
      checkNoLeak(what, a);
      const known = knownOf[i];
      if (known && req.headers?.['If-Range'] === undefined) {
        knownAnswers++;
        if (a.status !== 206 || !a.body.equals(clip.subarray(known[0], known[1] + 1))) note(`${what}: expected 206 with bytes ${known[0]}-${known[1]}, got ${a.status} (${a.body.length} bytes)`);
      }
      if (a.status === 200 && !(req.headers?.['If-Range']) && a.body.length !== size) note(`${what}: 200 with ${a.body.length} bytes, not the whole file`);
      if (a.status === 416 && a.headers['content-range'] !== `bytes */${size}`) note(`${what}: 416 with Content-Range ${a.headers['content-range']}`);
      if (a.status === 206) {
        const type = String(a.headers['content-type'] ?? '');
        const boundary = /multipart\/byteranges;\s*boundary=("?)([^";]+)\1/i.exec(type)?.[2];
        const parts = boundary ? multipartParts(a.body, boundary) : [{ range: String(a.headers['content-range'] ?? ''), data: a.body }];
        if (!parts || parts.length === 0) {
          note(`${what}: 206 whose multipart body does not parse`);
          return;
        }
        for (const part of parts) {
          const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(part.range ?? '');
          if (!m || Number(m[3]) !== size) { note(`${what}: part with Content-Range ${part.range}`); continue; }
          const [from, to] = [Number(m[1]), Number(m[2])];
          if (to >= size || from > to || !part.data.equals(clip.subarray(from, to + 1))) note(`${what}: part ${part.range} does not hold those bytes (${part.data.length} bytes)`);
        }
      }
    }, server.port);
    process.stderr.write(`[fuzz-http] seed ${SEED}: ${done} Range requests in ${Date.now() - started} ms (${knownAnswers} with a known answer)\n`);
    expect(problems.slice(0, 10), `seed ${SEED}`).toEqual([]);
    expect(done).toBe(REQUESTS);
    expect(knownAnswers).toBeGreaterThan(REQUESTS / 20);
    expect(server.alive(), server.tail()).toBe(true);
  }, 100_000);

  it(`answers ${REQUESTS} hostile /vod/ paths without a 5xx or a byte from outside the media folder`, async () => {
    problems.length = 0;
    const r = rng(SEED ^ 0x85ebca6b);
    const int = (n: number): number => Math.floor(r() * n);
    const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)] as T;
    const SEGMENTS = [
      'clip.mp4', 'sub', 'inner.mp4', 'inside-link.mp4', 'escape.mp4', 'abs-escape.txt', 'updir', 'up2', 'canary.mp4', 'canary.txt', 'media', 'cache',
      '..', '.', '...', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%25%32%65%25%32%65', '%c0%ae%c0%ae', '%c0%2e', '%e0%80%ae%e0%80%ae', '%f0%80%80%ae',
      '%ef%bc%8e%ef%bc%8e', '%u002e%u002e', '%00', 'clip.mp4%00', 'clip.mp4%00.txt', '%2f', '%5c', '\\', '..\\', '..%5c', '%2fetc%2fpasswd', 'etc', 'passwd',
      '', '%', '%zz', '%e2%82', '%ff', '%c0%af', '~', '.git', '.env', 'clip.mp4;', 'clip.mp4%3b', 'CLIP.MP4', 'clip.mp4.', 'clip.mp4%20', 'a'.repeat(300),
      '%2e%2e%2f%2e%2e%2fcanary.mp4', '..%2fcanary.mp4', '..%2f..%2fcanary.txt', encodeURIComponent(path.join(server?.work.dir ?? '/tmp', 'canary.txt')),
    ];
    const SEPARATORS = ['/', '/', '/', '%2f', '%2F', '\\', '%5c', '//', '/./', '/%2e/'];
    const make = (): { path: string; method: string } => {
      let p: string;
      switch (int(8)) {
        case 0: p = pick(['/etc/passwd', '%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', 'file:///etc/passwd', 'C:%5cWindows%5cwin.ini', encodeURI(path.join(work.dir, 'canary.mp4')), `%2f${encodeURIComponent(work.dir.slice(1))}%2fcanary.mp4`]); break;
        case 1: p = `${'../'.repeat(1 + int(12))}${pick(['canary.mp4', 'canary.txt', 'etc/passwd'])}`; break;
        case 2: p = pick(['updir/canary.mp4', 'updir/canary.txt', 'sub/up2/etc/passwd', 'updir/media/clip.mp4', 'escape.mp4', 'abs-escape.txt', 'sub/../../canary.mp4', 'sub/%2e%2e/%2e%2e/canary.txt']); break;
        default: {
          const n = 1 + int(6);
          p = '';
          for (let k = 0; k < n; k++) p += (k > 0 ? pick(SEPARATORS) : '') + pick(SEGMENTS);
        }
      }
      if (int(10) === 0) p += pick(['?format=mp4', '?format=x', '?', '#frag', '?a=%00', '?format=mp4&format=webm']);
      // Characters an HTTP/1.1 request target cannot hold raw are percent-encoded (their UTF-8 bytes).
      const target = `/vod/${p}`.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
      return { path: target, method: pick(['GET', 'GET', 'GET', 'HEAD', 'OPTIONS']) };
    };
    const statuses = new Map<number, number>();
    const served = new Set<string>();
    const started = Date.now();
    const done = await pool(REQUESTS, make, (_i, a, req) => {
      checkNoLeak(`${req.path.slice(0, 200)}`, a);
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (a.status === 200 && a.body.length > 0) served.add(req.path);
    }, server.port);
    process.stderr.write(`[fuzz-http] seed ${SEED}: ${done} paths in ${Date.now() - started} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(problems.slice(0, 10), `seed ${SEED}`).toEqual([]);
    expect(done).toBe(REQUESTS);
    // Sanity: the fuzz also hit real files (a server answering 404 to everything would pass otherwise).
    expect(served.size, 'distinct paths answered 200').toBeGreaterThan(5);
    expect(server.alive(), server.tail()).toBe(true);
  }, 100_000);

  it.each([
    '/vod/escape.mp4', '/vod/abs-escape.txt', '/vod/updir/canary.mp4', '/vod/updir/canary.txt', '/vod/sub/up2/etc/passwd',
    '/vod/..%2fcanary.mp4', '/vod/%2e%2e/canary.mp4', '/vod/sub/%2e%2e/%2e%2e/canary.txt', '/vod/%2fetc%2fpasswd',
  ])('refuses %s (it leads out of the media folder)', async (p) => {
    const a = await server.get(p);
    expect(a.status).toBe(404);
    expect(a.body.includes(CANARY)).toBe(false);
  });

  it('still serves a symlink that stays inside, a subfolder, and the API afterwards', async () => {
    for (const p of ['/vod/inside-link.mp4', '/vod/sub/inner.mp4']) {
      const a = await server.get(p);
      expect(a.status, p).toBe(200);
      expect(a.body.equals(clip), p).toBe(true);
    }
    const media = await server.get('/api/media');
    expect(media.status).toBeLessThan(500);
    expect(media.body.includes(CANARY)).toBe(false);
    expect((await server.get('/api/health')).status).toBe(200);
  });
});
