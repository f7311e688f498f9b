/**
 * Fix-first 3 (issue 9): cross-site WebSocket hijacking. Browsers send no CORS check on
 * `new WebSocket()`, only an Origin header, so the server must refuse foreign origins on the upgrade
 * itself: HTTP 403 ORIGIN_FORBIDDEN and never a 101. Its own origin (the Host header's), clients
 * without Origin (not a browser) and configured allowedOrigins get through. The same allowlist
 * drives CORS on the HTTP routes.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { rawExchange, spawnServer, upgradeRequest, type SpawnedServer } from '../../helpers/spawn-server.js';

const ffmpeg = await findTestFfmpeg();

const EVIL = 'http://evil.example';
const ALLOWED = 'http://allowed.example';

/** Sends an upgrade to /ws and returns the status line's code, the head and the body. */
async function upgrade(server: SpawnedServer, headers: Record<string, string>, host = `127.0.0.1:${server.port}`) {
  const answer = await rawExchange(server.port, upgradeRequest('/ws', host, headers), { stopAfterHead: true, timeoutMs: 3_000 });
  // A refusal closes the connection, so everything arrived; a 101 returns at the end of its head.
  const text = answer.data.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  return { status: answer.status, head: split === -1 ? text : text.slice(0, split), body: split === -1 ? '' : text.slice(split + 4) };
}

/** The error code of a JSON error body `{ error: { code } }`, or what was there instead. */
function errorCode(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? `no error.code in ${body.slice(0, 200)}`;
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
}

/** Origins a default server must refuse, each made from its port. */
const REFUSED: Array<[string, (port: number) => string]> = [
  ['another site', () => EVIL],
  ['another site on our port', (port) => `http://evil.example:${port}`],
  ['our address on another port', (port) => `http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}`],
  ['a look-alike host name', (port) => `http://127.0.0.1.evil.example:${port}`],
  ['a sandboxed frame (null)', () => 'null'],
];

describe.skipIf(!ffmpeg)('attack: WebSocket Origin, default config (same origin only)', () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnServer({ ffmpeg: ffmpeg! });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(REFUSED)('refuses %s with 403 ORIGIN_FORBIDDEN before the upgrade', async (name, make) => {
    const origin = make(server.port);
    const r = await upgrade(server, { Origin: origin });
    expect(r.status, `${name} (${origin}) got:\n${r.head}`).toBe(403);
    expect(r.head).not.toMatch(/^HTTP\/1\.1 101/m);
    expect(errorCode(r.body), name).toBe('ORIGIN_FORBIDDEN');
  });

  it('a browser-like client (ws with a foreign origin) never gets an open socket', async () => {
    const ws = new WebSocket(server.wsUrl, { origin: EVIL });
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(`status ${res.statusCode}`));
      ws.on('error', (err) => resolve(`error ${err.message}`));
    });
    ws.terminate();
    expect(outcome).toBe('status 403');
  });

  it.each([
    ['its own origin by address', (port: number) => ({ origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` })],
    ['its own origin by name', (port: number) => ({ origin: `http://localhost:${port}`, host: `localhost:${port}` })],
  ])('upgrades %s (Origin equals the Host header)', async (_name, make) => {
    const { origin, host } = make(server.port);
    const r = await upgrade(server, { Origin: origin }, host);
    expect(r.status, r.head).toBe(101);
  });

  it('upgrades a client that sends no Origin (not a browser)', async () => {
    const r = await upgrade(server, {});
    expect(r.status, r.head).toBe(101);
  });

  it.each(['/api/channels', '/api/health', '/vod/clip.mp4'])('GET %s with a foreign Origin carries no Access-Control-Allow-Origin', async (p) => {
    const res = await server.get(p, { Origin: EVIL });
    expect(res.status).toBeLessThan(500);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

// corsOrigins is the older name of the list (config files from before keep working): both must
// drive the upgrade and CORS on every route.
describe.skipIf(!ffmpeg).each(['allowedOrigins', 'corsOrigins'])('attack: WebSocket Origin, with config %s', (key) => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnServer({ ffmpeg: ffmpeg!, config: { [key]: [ALLOWED] } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('upgrades an origin on the list', async () => {
    const r = await upgrade(server, { Origin: ALLOWED });
    expect(r.status, r.head).toBe(101);
  });

  it('still refuses other origins', async () => {
    const r = await upgrade(server, { Origin: EVIL });
    expect(r.status, r.head).toBe(403);
    expect(errorCode(r.body)).toBe('ORIGIN_FORBIDDEN');
  });

  it.each(['/api/channels', '/api/health', '/vod/clip.mp4'])('GET %s echoes an allowed Origin in Access-Control-Allow-Origin, with Vary: Origin', async (p) => {
    const res = await server.get(p, { Origin: ALLOWED });
    expect(res.status).toBeLessThan(500);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['vary'] ?? '')).toMatch(/(^|,\s*)origin(\s*,|$)/i);
  });

  it.each(['/api/channels', '/vod/clip.mp4'])('GET %s with a foreign Origin: no Access-Control-Allow-Origin, and Vary: Origin', async (p) => {
    const res = await server.get(p, { Origin: EVIL });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    // The answer depends on Origin, so a shared cache must not reuse it for another origin.
    expect(String(res.headers['vary'] ?? '')).toMatch(/(^|,\s*)origin(\s*,|$)/i);
  });
});
