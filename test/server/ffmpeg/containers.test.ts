import { describe, expect, it } from 'vitest';
import { isUploadContainer, readsOtherFiles } from '../../../server/ffmpeg/containers.js';

describe('containers', () => {
  it.each<[string | undefined, boolean, boolean]>([
    ['mov,mp4,m4a,3gp,3g2,mj2', false, true],
    ['matroska,webm', false, true],
    ['mpegts', false, true],
    ['avi', false, true],
    ['hls', true, false],
    ['applehttp', true, false],
    ['concat', true, false],
    ['dash', true, false],
    ['sdp', true, false],
    ['image2', true, false],
    ['HLS', true, false],
    ['gif', false, false],
    ['wav', false, false],
    ['', false, false],
    [undefined, false, false],
  ])('%j: reads other files %s, kept as an upload %s', (container, reads, kept) => {
    expect(readsOtherFiles(container)).toBe(reads);
    expect(isUploadContainer(container)).toBe(kept);
  });
});
