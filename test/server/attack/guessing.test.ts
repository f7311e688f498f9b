/**
 * Found by an outside attack on issue 11: per-connection budgets did not stop a client that churns
 * connections. Token guesses over fresh WebSockets (26 760 in 6 s found an 8-character token) and
 * comments over fresh WebSockets (787 a second from one address) are now limited per client
 * address, across every door. The real server, attacked over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../server/core/protocol.js';
import { WRONG_TOKEN_BUDGET } from '../../../server/access/token-guard.js';
import { COMMENT_ADDRESS_BUDGET } from '../../../server/comments/comments.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { startTestServer, TestClient, type TestServer } from '../../helpers/server.js';

const ffmpeg = await findTestFfmpeg();
const TOKEN = 'guessing-test-token';
const CODECS = ['avc1.640028', 'mp4a.40.2'];

/** One fresh connection: hello with `token`, the first answer (session or error). */
async function helloOnce(server: TestServer, token: string): Promise<ServerMessage> {
  const c = new TestClient(server.wsUrl);
  await c.open();
  c.send({ type: 'hello', codecs: CODECS, token });
  const { frame } = await c.find((r) => r.kind === 'text' && (r.msg.type === 'session' || r.msg.type === 'error'));
  c.ws.terminate();
  return (frame as { kind: 'text'; msg: ServerMessage }).msg;
}

describe.skipIf(!ffmpeg)('guessing over many connections from one address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(ffmpeg!, { controlToken: TOKEN, testPattern: true });
  });
  afterAll(async () => server?.close());

  it('wrong hello tokens on fresh sockets run out; then even the right token is refused unchecked', async () => {
    const answers: string[] = [];
    for (let i = 0; i < WRONG_TOKEN_BUDGET.burst + 10; i++) {
      const m = await helloOnce(server, `guess-${i}`);
      answers.push(m.type === 'error' ? m.code : m.type);
    }
    expect(answers.filter((a) => a === 'session').length).toBeLessThanOrEqual(WRONG_TOKEN_BUDGET.burst + 2);
    expect(answers).toContain('RATE_LIMITED');
    const right = await helloOnce(server, TOKEN);
    expect(right).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    // The HTTP doors share the budget: a right token over HTTP is refused as well.
    const upload = await fetch(`${server.url}/api/uploads`, { headers: { Authorization: `Bearer ${TOKEN}`, 'Tus-Resumable': '1.0.0' } });
    expect(upload.status).toBe(429);
    const command = await fetch(`${server.url}/api/channels/test/commands`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'pause' }),
    });
    expect(command.status).toBe(429);
    // It refills: after a pause the right token works again.
    await new Promise((r) => setTimeout(r, 2_200 / WRONG_TOKEN_BUDGET.perSecond));
    expect(await helloOnce(server, TOKEN)).toMatchObject({ type: 'session', role: 'controller' });
  }, 30_000);

  it('comments over fresh sockets are limited per address, not only per socket', async () => {
    let accepted = 0;
    let limited = 0;
    const started = Date.now();
    for (let round = 0; round < 8; round++) {
      const c = new TestClient(server.wsUrl);
      await c.open();
      c.send({ type: 'hello', codecs: CODECS });
      c.send({ type: 'join', channel: 'test' });
      await c.find((r) => r.kind === 'text' && r.msg.type === 'mse');
      for (let i = 0; i < 3; i++) c.send({ type: 'comment', id: `c${round}-${i}`, text: `spam ${round}.${i}` });
      for (let i = 0; i < 3; i++) {
        const { frame } = await c.find((r) => r.kind === 'text' && (r.msg.type === 'ack' || r.msg.type === 'error') && (r.msg as { id?: string }).id === `c${round}-${i}`);
        const msg = (frame as { kind: 'text'; msg: ServerMessage }).msg;
        if (msg.type === 'ack') accepted++;
        else if (msg.type === 'error' && msg.code === 'RATE_LIMITED') limited++;
      }
      c.ws.terminate();
    }
    const seconds = (Date.now() - started) / 1000;
    expect(accepted).toBeLessThanOrEqual(COMMENT_ADDRESS_BUDGET.burst + Math.ceil(seconds * COMMENT_ADDRESS_BUDGET.perSecond) + 1);
    expect(limited).toBeGreaterThan(0);
    expect(accepted + limited).toBe(24);
  }, 60_000);
});
