import { describe, expect, it } from 'vitest';
import { detectMediaSource, playableCodecs, type MediaSourceConstructor } from '../../web/src/player/media-source.js';

/** A constructor stand-in whose isTypeSupported accepts the listed codecs. */
function fakeMediaSource(supported: string[]): MediaSourceConstructor {
  return class {
    static isTypeSupported(type: string): boolean {
      return supported.some((c) => type === `video/mp4; codecs="${c}"`);
    }
  } as unknown as MediaSourceConstructor;
}

describe('detectMediaSource', () => {
  const mse = fakeMediaSource([]);
  const mms = fakeMediaSource([]);
  it.each([
    ['neither', {}, null],
    ['MediaSource only', { MediaSource: mse }, 'mse'],
    ['ManagedMediaSource only (iPhone)', { ManagedMediaSource: mms }, 'mms'],
    ['both: prefers ManagedMediaSource', { MediaSource: mse, ManagedMediaSource: mms }, 'mms'],
    ['not a constructor', { MediaSource: {} }, null],
  ])('%s', (_name, scope, mode) => {
    expect(detectMediaSource(scope)?.mode ?? null).toBe(mode);
  });
});

describe('playableCodecs', () => {
  it('keeps the candidates isTypeSupported accepts, in order', () => {
    const ctor = fakeMediaSource(['mp4a.40.2', 'avc1.64001F', 'avc1.42E01E']);
    expect(playableCodecs({ mode: 'mse', ctor })).toEqual(['avc1.42E01E', 'avc1.64001F', 'mp4a.40.2']);
  });
  it('is empty when nothing is supported', () => {
    expect(playableCodecs({ mode: 'mse', ctor: fakeMediaSource([]) }, ['avc1.42E01E'])).toEqual([]);
  });
});
