import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VisibilityWatcher, visibilityStep, type VisibilityDocument, type VisibilityEvent, type VisibilityState } from '../../web/src/player/visibility.js';

describe('visibilityStep', () => {
  const hidden: VisibilityEvent = { kind: 'hidden' };
  const visible: VisibilityEvent = { kind: 'visible' };
  const quietTimer: VisibilityEvent = { kind: 'timer', audible: false };
  const audibleTimer: VisibilityEvent = { kind: 'timer', audible: true };
  it.each<[VisibilityState, VisibilityEvent, VisibilityState, string]>([
    ['visible', hidden, 'hidden', 'arm-timer'],
    ['visible', visible, 'visible', 'none'],
    ['visible', quietTimer, 'visible', 'none'], // stale timer
    ['hidden', visible, 'visible', 'cancel-timer'],
    ['hidden', hidden, 'hidden', 'none'],
    ['hidden', quietTimer, 'suspended', 'suspend'],
    ['hidden', audibleTimer, 'hidden', 'arm-timer'], // someone is listening: ask again later
    ['suspended', visible, 'visible', 'resume'],
    ['suspended', hidden, 'suspended', 'none'],
    ['suspended', quietTimer, 'suspended', 'none'],
  ])('%s + %j → %s, %s', (state, event, next, action) => {
    expect(visibilityStep(state, event)).toEqual({ state: next, action });
  });
});

class FakeDocument implements VisibilityDocument {
  visibilityState: DocumentVisibilityState = 'visible';
  private listeners = new Set<() => void>();
  addEventListener(_type: 'visibilitychange', l: () => void): void {
    this.listeners.add(l);
  }
  removeEventListener(_type: 'visibilitychange', l: () => void): void {
    this.listeners.delete(l);
  }
  set(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    for (const l of this.listeners) l();
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

describe('VisibilityWatcher', () => {
  let doc: FakeDocument;
  let calls: string[];
  let audible: boolean;
  let watcher: VisibilityWatcher;
  beforeEach(() => {
    vi.useFakeTimers();
    doc = new FakeDocument();
    calls = [];
    audible = false;
    watcher = new VisibilityWatcher(doc, 30_000, { suspend: () => calls.push('suspend'), resume: () => calls.push('resume'), audible: () => audible });
  });
  afterEach(() => {
    watcher.stop();
    vi.useRealTimers();
  });

  it('suspends after 30 s hidden and resumes when shown', () => {
    watcher.start();
    doc.set('hidden');
    vi.advanceTimersByTime(29_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['suspend']);
    doc.set('visible');
    expect(calls).toEqual(['suspend', 'resume']);
  });

  it('a short trip to another tab changes nothing', () => {
    watcher.start();
    doc.set('hidden');
    vi.advanceTimersByTime(10_000);
    doc.set('visible');
    vi.advanceTimersByTime(60_000);
    expect(calls).toEqual([]);
  });

  it('keeps an audible tab streaming, and suspends it once it goes quiet', () => {
    watcher.start();
    audible = true;
    doc.set('hidden');
    vi.advanceTimersByTime(90_000);
    expect(calls).toEqual([]);
    audible = false;
    vi.advanceTimersByTime(30_000);
    expect(calls).toEqual(['suspend']);
  });

  it('a page opened in a background tab counts as hidden from the start; stop() removes everything', () => {
    doc.visibilityState = 'hidden';
    watcher.start();
    vi.advanceTimersByTime(30_000);
    expect(calls).toEqual(['suspend']);
    watcher.stop();
    expect(doc.listenerCount).toBe(0);
    doc.set('visible');
    expect(calls).toEqual(['suspend']);
  });
});
