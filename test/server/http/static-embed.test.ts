/**
 * /player.js, the embeddable player (server/http/static.ts): a module script that other sites'
 * pages load in CORS mode, so it carries Access-Control-Allow-Origin for allowed origins only,
 * and a short cache, revalidated by ETag.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBED_MAX_AGE_SECONDS, createStaticHandler } from '../../../server/http/static.js';
import { tempDir } from '../../helpers/server.js';

const ALLOWED = 'http://embedder.test:3000';
const SCRIPT = 'customElements.define("pushcast-player", class extends HTMLElement {});';

async function serve(dir: string, corsOrigins?: readonly string[]): Promise<{ base: string; close(): void }> {
  const handle = createStaticHandler(dir, corsOrigins === undefined ? {} : { corsOrigins });
  const server = http.createServer((req, res) => {
    void handle(req, res, (req.url ?? '/').split('?')[0]!).then((served) => {
      if (!served) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('GET /player.js', () => {
  const web = tempDir();
  let allowing: Awaited<ReturnType<typeof serve>>;
  let closed: Awaited<ReturnType<typeof serve>>;
  let any: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    writeFileSync(path.join(web.dir, 'player.js'), SCRIPT);
    writeFileSync(path.join(web.dir, 'index.html'), '<h1>home</h1>');
    allowing = await serve(web.dir, [ALLOWED]);
    closed = await serve(web.dir);
    any = await serve(web.dir, ['*']);
  });
  afterAll(() => {
    allowing.close();
    closed.close();
    any.close();
    web.remove();
  });

  it('is a JavaScript module with a short cache', async () => {
    const res = await fetch(`${allowing.base}/player.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe(`public, max-age=${EMBED_MAX_AGE_SECONDS}`);
    expect(res.headers.get('etag')).toMatch(/^"/);
    expect(await res.text()).toBe(SCRIPT);
  });

  it.each([
    ['an allowed origin', () => allowing, ALLOWED, ALLOWED, 'Origin'],
    ['another origin', () => allowing, 'http://evil.test', null, 'Origin'],
    ['no Origin (not a browser page)', () => allowing, undefined, null, 'Origin'],
    ['no allowlist', () => closed, ALLOWED, null, null],
    ["'*'", () => any, 'http://anyone.test', '*', null],
  ])('%s → Access-Control-Allow-Origin %s', async (_what, server, origin, allow, vary) => {
    const res = await fetch(`${server().base}/player.js`, { headers: origin ? { Origin: origin } : {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(allow);
    expect(res.headers.get('vary')).toBe(vary);
    await res.arrayBuffer();
  });

  it('keeps the CORS grant on a 304, so a revalidated copy stays usable cross-origin', async () => {
    const first = await fetch(`${allowing.base}/player.js`, { headers: { Origin: ALLOWED } });
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await fetch(`${allowing.base}/player.js`, { headers: { Origin: ALLOWED, 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('gives pages no CORS grant and keeps their no-cache', async () => {
    const res = await fetch(`${allowing.base}/`, { headers: { Origin: ALLOWED } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-cache');
    await res.arrayBuffer();
  });
});
