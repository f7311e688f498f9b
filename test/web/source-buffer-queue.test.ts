import { describe, expect, it } from 'vitest';
import { SourceBufferQueue, type SourceBufferLike } from '../../web/src/player/source-buffer-queue.js';
import type { PlayerError } from '../../web/src/player/errors.js';

/**
 * A SourceBuffer stand-in: operations start synchronously and finish when the test calls
 * `finish()`, which fires `updateend` like the real one. `buffered` is a list the test controls.
 */
class FakeSourceBuffer extends EventTarget {
  updating = false;
  ranges: Array<[number, number]> = [];
  calls: string[] = [];
  /** Errors appendBuffer throws, in order (then it succeeds). */
  appendThrows: Error[] = [];

  get buffered(): TimeRanges {
    const r = this.ranges;
    return { length: r.length, start: (i: number) => r[i]![0], end: (i: number) => r[i]![1] } as TimeRanges;
  }
  appendBuffer(data: ArrayBuffer): void {
    if (this.updating) throw new DOMException('busy', 'InvalidStateError');
    const err = this.appendThrows.shift();
    if (err) throw err;
    this.calls.push(`append ${data.byteLength}`);
    this.updating = true;
  }
  remove(start: number, end: number): void {
    if (this.updating) throw new DOMException('busy', 'InvalidStateError');
    this.calls.push(`remove ${start}-${end}`);
    this.updating = true;
  }
  abort(): void {
    this.calls.push('abort');
  }
  finish(): void {
    if (!this.updating) throw new Error('finish() with nothing running');
    this.updating = false;
    this.dispatchEvent(new Event('updateend'));
  }
}

function setup(currentTime = 0, options = {}, randomAccess: ((meta: string) => boolean) | null = null) {
  const sb = new FakeSourceBuffer();
  const clock = { t: currentTime };
  const queue = new SourceBufferQueue<string>(sb as unknown as SourceBufferLike, () => clock.t, options, randomAccess);
  const appended: string[] = [];
  const removed: string[] = [];
  const errors: PlayerError[] = [];
  queue.on('appended', (e) => appended.push(`${e.meta}@${e.bufferedEnd}`));
  queue.on('removed', (e) => removed.push(`${e.reason} ${e.start}-${e.end}`));
  queue.on('error', (e) => errors.push(e));
  return { sb, clock, queue, appended, removed, errors };
}

const bytes = (n: number) => new ArrayBuffer(n);

describe('SourceBufferQueue', () => {
  it('runs one operation at a time, in order, advancing on updateend', () => {
    const { sb, queue, appended, removed } = setup(20);
    queue.append(bytes(1), 'a');
    queue.append(bytes(2), 'b');
    queue.remove(0, 5);
    expect(sb.calls).toEqual(['append 1']);
    expect(queue.pending).toBe(3);
    sb.ranges = [[0, 1]];
    sb.finish();
    expect(sb.calls).toEqual(['append 1', 'append 2']);
    sb.ranges = [[0, 2]];
    sb.finish();
    expect(sb.calls).toEqual(['append 1', 'append 2', 'remove 0-5']);
    sb.finish();
    expect(appended).toEqual(['a@1', 'b@2']);
    expect(removed).toEqual(['manual 0-5']);
    expect(queue.pending).toBe(0);
  });

  it('reports a null buffered end when nothing is buffered', () => {
    const { sb, queue, appended } = setup();
    queue.append(bytes(1), 'init');
    sb.finish();
    expect(appended).toEqual(['init@null']);
  });

  it('runs abort synchronously in its turn and skips empty removes', () => {
    const { sb, queue, removed } = setup();
    queue.append(bytes(1), 'a');
    queue.abort();
    queue.remove(5, 5);
    queue.append(bytes(3), 'b');
    sb.finish();
    expect(sb.calls).toEqual(['append 1', 'abort', 'append 3']);
    expect(removed).toEqual([]);
  });

  it('on QuotaExceededError evicts the back buffer (keeping 2 s) and retries the append', () => {
    const { sb, queue, appended, removed, errors } = setup(30);
    sb.ranges = [[10, 31]];
    sb.appendThrows = [new DOMException('full', 'QuotaExceededError')];
    queue.append(bytes(7), 'big');
    expect(sb.calls).toEqual(['remove 10-28']);
    sb.ranges = [[28, 31]];
    sb.finish();
    expect(sb.calls).toEqual(['remove 10-28', 'append 7']);
    sb.ranges = [[28, 31.2]];
    sb.finish();
    expect(removed).toEqual(['quota 10-28']);
    expect(appended).toEqual(['big@31.2']);
    expect(errors).toEqual([]);
  });

  it('fails with BUFFER_FULL when there is nothing left to evict', () => {
    const { sb, queue, errors } = setup(30);
    sb.ranges = [[29, 31]];
    sb.appendThrows = [new DOMException('full', 'QuotaExceededError')];
    queue.append(bytes(7), 'big');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'BUFFER_FULL', fatal: true });
    expect(queue.failed).toBe(true);
    queue.append(bytes(1), 'ignored');
    expect(sb.calls).toEqual([]);
  });

  it('gives up after maxQuotaRetries', () => {
    const { sb, clock, queue, errors } = setup(30, { maxQuotaRetries: 1 });
    sb.ranges = [[10, 31]];
    sb.appendThrows = [new DOMException('full', 'QuotaExceededError'), new DOMException('full', 'QuotaExceededError')];
    queue.append(bytes(7), 'big');
    clock.t = 40; // more to evict, but the retry budget is spent
    sb.ranges = [[10, 41]];
    sb.finish();
    expect(errors.map((e) => e.code)).toEqual(['BUFFER_FULL']);
  });

  it('surfaces other appendBuffer exceptions as APPEND errors', () => {
    const { sb, queue, errors } = setup();
    sb.appendThrows = [new DOMException('removed', 'InvalidStateError')];
    queue.append(bytes(1), 'a');
    expect(errors).toEqual([{ code: 'APPEND', message: 'appendBuffer failed: InvalidStateError: removed', fatal: true }]);
  });

  it("surfaces the SourceBuffer's error event and stops", () => {
    const { sb, queue, appended, errors } = setup();
    queue.append(bytes(1), 'bad');
    queue.append(bytes(2), 'next');
    sb.dispatchEvent(new Event('error'));
    sb.finish();
    expect(errors.map((e) => e.code)).toEqual(['APPEND']);
    expect(appended).toEqual([]);
    expect(sb.calls).toEqual(['append 1']);
  });

  it('trims the back buffer to 10 s behind the playhead once it exceeds 12 s', () => {
    const { sb, clock, queue, removed } = setup(11.5);
    sb.ranges = [[0, 12]];
    queue.trimBackBuffer();
    expect(sb.calls).toEqual([]); // only 11.5 s behind
    clock.t = 12.5;
    queue.trimBackBuffer();
    queue.trimBackBuffer();
    expect(sb.calls).toEqual(['remove 0-2.5']);
    sb.finish();
    expect(removed).toEqual(['trim 0-2.5']);
  });

  it('does nothing after destroy', () => {
    const { sb, queue, appended } = setup();
    queue.append(bytes(1), 'a');
    queue.destroy();
    sb.finish();
    queue.append(bytes(2), 'b');
    expect(appended).toEqual([]);
    expect(sb.calls).toEqual(['append 1']);
  });

  it('rejects options that keep less back buffer than the quota margin', () => {
    const sb = new FakeSourceBuffer();
    expect(() => new SourceBufferQueue(sb as unknown as SourceBufferLike, () => 0, { backBufferSec: 1 })).toThrow(TypeError);
  });

  describe('with keyframe positions (randomAccess)', () => {
    /** Appends segments `[start, end, key]` one by one, growing the fake's single buffered range. */
    function fill(sb: FakeSourceBuffer, queue: SourceBufferQueue<string>, segments: Array<[number, number, boolean]>): void {
      for (const [start, end, key] of segments) {
        queue.append(bytes(1), key ? 'key' : 'delta');
        sb.ranges = [[sb.ranges[0]?.[0] ?? start, end]];
        sb.finish();
      }
    }
    const isKey = (m: string) => m === 'key';

    it('trims only up to a keyframe at or before the margin, never into the GOP being played', () => {
      const { sb, queue, clock, removed } = setup(0, {}, isKey);
      // Keyframes at 0, 8 and 16: GOPs of 8 s. Playing at 21: margin 11, the GOP there began at 8.
      fill(sb, queue, [[0, 4, true], [4, 8, false], [8, 12, true], [12, 16, false], [16, 20, true], [20, 24, false]]);
      clock.t = 21;
      queue.trimBackBuffer();
      expect(sb.calls.at(-1)).toBe('remove 0-8');
      sb.finish();
      expect(removed).toEqual(['trim 0-8']);
    });

    it('does not trim when no keyframe lies far enough back', () => {
      const { sb, queue, clock } = setup(0, {}, isKey);
      // One 30 s GOP: any cut would take the frames being played with it.
      fill(sb, queue, [[0, 10, true], [10, 20, false], [20, 30, false]]);
      clock.t = 25;
      queue.trimBackBuffer();
      expect(sb.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    });

    it('on QuotaExceededError evicts up to a keyframe, or fails with BUFFER_FULL when there is none', () => {
      const quota = () => new DOMException('full', 'QuotaExceededError');
      const a = setup(0, {}, isKey);
      fill(a.sb, a.queue, [[0, 3, true], [3, 6, true], [6, 9, false]]);
      a.clock.t = 8; // keep 2 s: cut at the keyframe at 3, not at 6 (inside the GOP playing)
      a.sb.appendThrows.push(quota());
      a.queue.append(bytes(1), 'delta');
      expect(a.sb.calls.at(-1)).toBe('remove 0-3');

      const b = setup(0, {}, isKey);
      fill(b.sb, b.queue, [[0, 5, true], [5, 9, false]]);
      b.clock.t = 8;
      b.sb.appendThrows.push(quota());
      b.queue.append(bytes(1), 'delta');
      expect(b.errors.map((e) => e.code)).toEqual(['BUFFER_FULL']);
    });
  });
});
