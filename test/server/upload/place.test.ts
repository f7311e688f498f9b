/** placeUpload on a real temporary folder; link failures (EXDEV, no hard links) are injected. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { placeUpload, realOps, tempCopyName, type PlaceOps } from '../../../server/upload/place.js';
import { tempDir } from '../../helpers/server.js';

const ID = '0123456789abcdef0123456789abcdef';
let dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs) d.remove();
  dirs = [];
});

function setup(): { source: string; mediaDir: string; uploadsDir: string } {
  const t = tempDir('pushcast-place-');
  dirs.push(t);
  const uploadsDir = path.join(t.dir, 'uploads');
  const mediaDir = path.join(t.dir, 'media');
  mkdirSync(uploadsDir);
  mkdirSync(mediaDir);
  const source = path.join(uploadsDir, ID);
  writeFileSync(source, 'the bytes');
  return { source, mediaDir, uploadsDir };
}

const failing = (code: string): PlaceOps => ({
  ...realOps,
  link: async () => {
    throw Object.assign(new Error(code), { code });
  },
});

describe('placeUpload', () => {
  it('links the upload to its name and removes the upload', async () => {
    const { source, mediaDir, uploadsDir } = setup();
    const chosen: string[] = [];
    const name = await placeUpload({ source, uploadId: ID, mediaDir, chooseName: () => 'clip.mp4', onChosen: (n) => chosen.push(n) });
    expect(name).toBe('clip.mp4');
    expect(chosen).toEqual(['clip.mp4']);
    expect(readFileSync(path.join(mediaDir, 'clip.mp4'), 'utf8')).toBe('the bytes');
    expect(readdirSync(uploadsDir)).toEqual([]);
  });

  it('never overwrites: a name that appeared meanwhile makes it choose again', async () => {
    const { source, mediaDir } = setup();
    writeFileSync(path.join(mediaDir, 'clip.mp4'), 'someone else');
    const name = await placeUpload({ source, uploadId: ID, mediaDir, chooseName: (taken) => (taken.has('clip.mp4') ? 'clip-2.mp4' : 'clip.mp4') });
    expect(name).toBe('clip-2.mp4');
    expect(readFileSync(path.join(mediaDir, 'clip.mp4'), 'utf8')).toBe('someone else');
    expect(readFileSync(path.join(mediaDir, 'clip-2.mp4'), 'utf8')).toBe('the bytes');
  });

  it('across file systems (EXDEV) it copies to a dot-named temporary file first, then links that', async () => {
    const { source, mediaDir, uploadsDir } = setup();
    const seen: string[] = [];
    const ops: PlaceOps = {
      ...realOps,
      // link from the upload folder fails as across devices; inside the media folder it works
      link: async (from, to) => {
        seen.push(path.basename(from));
        if (path.dirname(from) !== mediaDir) throw Object.assign(new Error('EXDEV'), { code: 'EXDEV' });
        return realOps.link(from, to);
      },
    };
    const name = await placeUpload({ source, uploadId: ID, mediaDir, chooseName: () => 'clip.mp4', ops });
    expect(name).toBe('clip.mp4');
    expect(seen).toEqual([ID, tempCopyName(ID)]);
    expect(readdirSync(mediaDir)).toEqual(['clip.mp4']);
    expect(readFileSync(path.join(mediaDir, 'clip.mp4'), 'utf8')).toBe('the bytes');
    expect(readdirSync(uploadsDir)).toEqual([]);
  });

  it('without hard links it renames to a free name', async () => {
    const { source, mediaDir, uploadsDir } = setup();
    writeFileSync(path.join(mediaDir, 'clip.mp4'), 'someone else');
    const name = await placeUpload({ source, uploadId: ID, mediaDir, chooseName: (taken) => (taken.has('clip.mp4') ? 'clip-2.mp4' : 'clip.mp4'), ops: failing('EPERM') });
    expect(name).toBe('clip-2.mp4');
    expect(readFileSync(path.join(mediaDir, 'clip.mp4'), 'utf8')).toBe('someone else');
    expect(readdirSync(uploadsDir)).toEqual([]);
  });

  it('another error is thrown and leaves the upload where it was, with no temporary file', async () => {
    const { source, mediaDir } = setup();
    await expect(placeUpload({ source, uploadId: ID, mediaDir, chooseName: () => 'clip.mp4', ops: failing('ENOSPC') })).rejects.toThrow('ENOSPC');
    expect(readFileSync(source, 'utf8')).toBe('the bytes');
    expect(readdirSync(mediaDir)).toEqual([]);
  });
});
