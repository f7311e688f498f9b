/** ChildSet with real (non-ffmpeg) processes: `sleep`, and a shell that ignores SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildSet } from '../../../server/runtime/children.js';

const started: ChildProcess[] = [];
function run(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  started.push(child);
  return child;
}
/** Resolves once the shell has installed its trap (it prints nothing: give it a moment). */
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('ChildSet', () => {
  it('tracks a child until it exits by itself', async () => {
    const set = new ChildSet();
    const child = run('sleep', ['0.1']);
    expect(set.track(child, 'ffmpeg', 'a')).toMatchObject({ pid: child.pid, kind: 'ffmpeg', owner: 'a' });
    expect(set.list().map((c) => c.pid)).toEqual([child.pid]);
    await new Promise((r) => child.once('exit', r));
    expect(set.size).toBe(0);
  });

  it('does not track a child that failed to spawn', async () => {
    const set = new ChildSet();
    const child = spawn('/nonexistent/pushcast-binary', [], { stdio: 'ignore' });
    child.on('error', () => {});
    expect(set.track(child, 'ffprobe', 'x')).toBeNull();
    expect(set.size).toBe(0);
  });

  it('stopAll: SIGTERM, and resolves once every child has exited', async () => {
    const set = new ChildSet();
    const a = run('sleep', ['30']);
    const b = run('sleep', ['30']);
    set.track(a, 'ffmpeg', 'a');
    set.track(b, 'ffprobe', 'b');
    const t0 = Date.now();
    await set.stopAll(5000);
    expect(Date.now() - t0).toBeLessThan(2000); // sleep dies on SIGTERM: no wait for the SIGKILL
    expect(a.signalCode).toBe('SIGTERM');
    expect(b.signalCode).toBe('SIGTERM');
    expect(set.size).toBe(0);
  });

  it('stopAll: SIGKILL after killAfterMs for a child that ignores SIGTERM', async () => {
    const set = new ChildSet();
    const stubborn = run('sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done']);
    await settle();
    set.track(stubborn, 'ffmpeg', 'stubborn');
    const t0 = Date.now();
    await set.stopAll(300);
    const took = Date.now() - t0;
    expect(stubborn.signalCode).toBe('SIGKILL');
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(alive(stubborn.pid!)).toBe(false);
  });

  it('a child tracked while stopping is stopped too, and stopAll waits for it', async () => {
    const set = new ChildSet();
    const first = run('sleep', ['30']);
    set.track(first, 'ffmpeg', 'a');
    const done = set.stopAll(2000);
    const late = run('sleep', ['30']);
    set.track(late, 'ffprobe', 'late');
    await done;
    expect(late.exitCode !== null || late.signalCode !== null).toBe(true);
    expect(set.size).toBe(0);
  });
});
