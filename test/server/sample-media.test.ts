import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../server/sample-media.js';
import { findTestFfmpeg } from '../helpers/ffmpeg.js';
import { tempDir } from '../helpers/server.js';

const ffmpeg = await findTestFfmpeg();

describe.skipIf(!ffmpeg)('generateSample', () => {
  const dir = tempDir('pushcast-sample-');
  afterAll(() => dir.remove());

  it('reports rising progress up to the whole clip, then the file is there (no partial left)', async () => {
    const seen: number[] = [];
    const file = path.join(dir.dir, 'sample.mp4');
    await generateSample({ ffmpeg: ffmpeg!.ffmpeg, file, durationSec: 4, onProgress: (f) => seen.push(f) });
    expect(existsSync(file)).toBe(true);
    expect(readdirSync(dir.dir)).toEqual(['sample.mp4']);
    expect(seen.length).toBeGreaterThan(0);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBeGreaterThan(0.9);
    expect(Math.max(...seen)).toBeLessThanOrEqual(1);
  });

  it('a failing ffmpeg says why and leaves nothing behind', async () => {
    await expect(generateSample({ ffmpeg: ffmpeg!.ffmpeg, file: path.join(dir.dir, 'bad.unknownext'), durationSec: 1 })).rejects.toThrow(/ffmpeg exited/);
    expect(readdirSync(dir.dir)).toEqual(['sample.mp4']);
  });
});
