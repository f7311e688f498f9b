/**
 * State that survives a restart, tried on the real server process: a file channel paused at a
 * position is paused there after a kill -9 and a new start on the same data folder; a playing one
 * resumes from where it was (at most the keeper's one-second sample behind); a generated control
 * token stays the same across restarts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { findTestFfmpeg } from '../../helpers/ffmpeg.js';
import { startTestServer, tempDir, TestClient } from '../../helpers/server.js';
import { makeWorkDir, spawnServer, type SpawnedServer, type WorkDir } from '../../helpers/spawn-server.js';

const ffmpeg = await findTestFfmpeg();
const CLIP_SEC = 6;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function info(server: SpawnedServer): Promise<ChannelInfo> {
  const answer = await server.get('/api/channels/clip');
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text) as ChannelInfo;
}

/** The file channel knows its length (probed at start): it can seek. */
async function seekable(server: SpawnedServer): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await info(server)).seekable) {
    if (Date.now() > deadline) throw new Error('clip never became seekable');
    await sleep(50);
  }
}

async function command(server: SpawnedServer, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/api/channels/clip/commands`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.controlToken}` },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function killHard(server: SpawnedServer): Promise<void> {
  process.kill(server.pid, 'SIGKILL');
  await server.exited;
}

/** Distance on the looping file, seconds. */
function loopDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % CLIP_SEC;
  return Math.min(d, CLIP_SEC - d);
}

describe.skipIf(!ffmpeg)('state across a restart', () => {
  let work: WorkDir | null = null;
  let server: SpawnedServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
    work?.remove();
    work = null;
  });

  it('a paused file channel is paused at the same position after kill -9', async () => {
    work = await makeWorkDir(ffmpeg!);
    const token = 'restart-test-token';
    server = await spawnServer({ ffmpeg: ffmpeg!, work, controlToken: token });
    await seekable(server);
    await command(server, { type: 'seek', position: 4.2 });
    await command(server, { type: 'pause' });
    const before = await info(server);
    expect(before.playing).toBe(false);
    expect(before.position).toBeCloseTo(4.2, 1);
    await killHard(server);
    server = await spawnServer({ ffmpeg: ffmpeg!, work, controlToken: token });
    const after = await info(server);
    expect(after.playing).toBe(false);
    expect(after.position).toBeCloseTo(before.position as number, 2);
  });

  it('a playing file channel goes on from where it was after kill -9', async () => {
    work = await makeWorkDir(ffmpeg!);
    const token = 'restart-test-token';
    server = await spawnServer({ ffmpeg: ffmpeg!, work, controlToken: token });
    const viewer = new TestClient(server.wsUrl);
    await viewer.open();
    viewer.send({ type: 'hello', token, codecs: ['avc1.64001f', 'avc1.42e01e', 'mp4a.40.2'] });
    viewer.send({ type: 'join', channel: 'clip' });
    await viewer.find((r) => r.kind === 'binary');
    await seekable(server);
    await command(server, { type: 'seek', position: 1 });
    await sleep(2_500);
    const now = await info(server);
    const atKill = (now.position as number) + (now.playing ? (Date.now() - now.positionAt) / 1000 : 0);
    viewer.ws.terminate();
    await killHard(server);
    server = await spawnServer({ ffmpeg: ffmpeg!, work, controlToken: token });
    const after = await info(server);
    expect(after.playing).toBe(true);
    // Nobody watches yet, so it stands where the last save put it: at most ~1 s before the kill.
    expect(loopDistance(after.position as number, atKill)).toBeLessThan(1.3);
    expect(loopDistance(after.position as number, 1)).toBeGreaterThan(0.5);
  });

  it('a generated control token is kept; CONTROL_TOKEN still wins', async () => {
    const data = tempDir('pushcast-data-');
    try {
      const first = await startTestServer(ffmpeg!, { dataDir: data.dir, controlToken: null, testPattern: false });
      const generated = first.app.controlToken;
      await first.close();
      const second = await startTestServer(ffmpeg!, { dataDir: data.dir, controlToken: null, testPattern: false });
      expect(second.app.controlToken).toBe(generated);
      await second.close();
      const third = await startTestServer(ffmpeg!, { dataDir: data.dir, controlToken: 'chosen', testPattern: false });
      expect(third.app.controlToken).toBe('chosen');
      await third.close();
    } finally {
      data.remove();
    }
  });
});
