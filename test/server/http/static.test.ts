import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler, pageFor } from '../../../server/http/static.js';
import { tempDir } from '../../helpers/server.js';

describe('pageFor', () => {
  it.each([
    ['/', 'index.html'],
    ['/index.html', 'index.html'],
    ['/watch/test', 'watch.html'],
    ['/watch/test/', 'watch.html'],
    ['/watch/a.b-c_d', 'watch.html'],
    ['/watch/', null],
    ['/watch/a/b', null],
    ['/dashboard', 'dashboard.html'],
    ['/play/clip.mp4', 'play.html'],
    ['/play/films/my%20clip.mkv', 'play.html'],
    ['/play/..%2f..%2fetc%2fpasswd', 'play.html'], // only the page: its script asks /vod/, which refuses
    ['/play/', null],
    ['/play', null],
    ['/assets/x.js', null],
    ['/api/channels', null],
  ])('%s → %s', (p, page) => {
    expect(pageFor(p)).toBe(page);
  });
});

describe('createStaticHandler', () => {
  const web = tempDir();
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    writeFileSync(path.join(web.dir, 'index.html'), '<h1>home</h1>');
    writeFileSync(path.join(web.dir, 'watch.html'), '<h1>watch</h1>');
    writeFileSync(path.join(web.dir, 'play.html'), '<h1>play</h1>');
    mkdirSync(path.join(web.dir, 'assets'));
    writeFileSync(path.join(web.dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(path.dirname(web.dir), 'pushcast-secret.txt'), 'secret');
    const handle = createStaticHandler(web.dir);
    server = http.createServer((req, res) => {
      void handle(req, res, (req.url ?? '/').split('?')[0]!).then((served) => {
        if (!served) {
          res.writeHead(404);
          res.end('not ours');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    web.remove();
    rmSync(path.join(path.dirname(web.dir), 'pushcast-secret.txt'), { force: true });
  });

  it.each([
    ['/', 200, 'text/html; charset=utf-8', '<h1>home</h1>', 'no-cache'],
    ['/watch/test', 200, 'text/html; charset=utf-8', '<h1>watch</h1>', 'no-cache'],
    ['/play/sub/clip.mp4', 200, 'text/html; charset=utf-8', '<h1>play</h1>', 'no-cache'],
    ['/play/..%2f..%2fpushcast-secret.txt', 200, 'text/html; charset=utf-8', '<h1>play</h1>', 'no-cache'],
    ['/assets/app-abc123.js', 200, 'text/javascript; charset=utf-8', 'console.log(1)', 'public, max-age=31536000, immutable'],
    ['/assets/missing.js', 404, null, 'not ours', null],
    ['/..%2fpushcast-secret.txt', 404, null, 'not ours', null],
    ['/assets/..%2f..%2fpushcast-secret.txt', 404, null, 'not ours', null],
  ])('GET %s → %i', async (p, status, type, body, cache) => {
    const res = await fetch(base + p);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('cache-control')).toBe(cache);
    expect(await res.text()).toBe(body);
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await fetch(`${base}/assets/app-abc123.js`);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${base}/assets/app-abc123.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });
});
