import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMediaPath, splitMediaPath } from '../../../server/http/safe-path.js';
import type { PathRejection } from '../../../server/http/safe-path.js';

describe('splitMediaPath', () => {
  it.each<[string, string[] | PathRejection]>([
    ['a.mp4', ['a.mp4']],
    ['dir/a.mp4', ['dir', 'a.mp4']],
    ['my%20clip.mp4', ['my clip.mp4']],
    ['a%2Fb.mp4', ['a', 'b.mp4']], // decoded once, then checked like any separator
    ['%252e%252e/x', ['%2e%2e', 'x']], // decoded once only: stays a literal name
    ['', 'EMPTY'],
    ['%', 'BAD_ENCODING'],
    ['%zz', 'BAD_ENCODING'],
    ['%c3%28', 'BAD_ENCODING'], // invalid UTF-8
    ['a%00.mp4', 'FORBIDDEN_CHAR'],
    ['..%5c..%5csecret', 'FORBIDDEN_CHAR'],
    ['a\\b', 'FORBIDDEN_CHAR'],
    ['/etc/passwd', 'BAD_SEGMENT'],
    ['%2fetc%2fpasswd', 'BAD_SEGMENT'],
    ['C:/Windows/win.ini', 'BAD_SEGMENT'],
    ['..', 'BAD_SEGMENT'],
    ['../secret', 'BAD_SEGMENT'],
    ['%2e%2e/secret', 'BAD_SEGMENT'],
    ['a/../../secret', 'BAD_SEGMENT'],
    ['./a.mp4', 'BAD_SEGMENT'],
    ['a//b', 'BAD_SEGMENT'],
    ['dir/', 'BAD_SEGMENT'],
    ['.env', 'BAD_SEGMENT'],
  ])('%s', (raw, expected) => {
    const r = splitMediaPath(raw);
    expect(r).toEqual(Array.isArray(expected) ? { ok: true, segments: expected } : { ok: false, reason: expected });
  });
});

describe('resolveMediaPath', () => {
  let tmp: string;
  let root: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'pushcast-safepath-'));
    root = path.join(tmp, 'media');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'a.mp4'), 'a');
    writeFileSync(path.join(root, 'sub', 'b.mp4'), 'b');
    writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'out.mp4'));
    symlinkSync(tmp, path.join(root, 'updir'));
    symlinkSync(path.join(root, 'sub', 'b.mp4'), path.join(root, 'in.mp4'));
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling.mp4'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each<[string, string | PathRejection]>([
    ['a.mp4', 'a.mp4'],
    ['sub/b.mp4', 'sub/b.mp4'],
    ['in.mp4', 'sub/b.mp4'], // symlink staying inside is followed
    ['out.mp4', 'OUTSIDE_ROOT'],
    ['updir/secret.txt', 'OUTSIDE_ROOT'],
    ['sub', 'NOT_A_FILE'],
    ['missing.mp4', 'NOT_FOUND'],
    ['a.mp4/x', 'NOT_FOUND'],
    ['dangling.mp4', 'NOT_FOUND'],
    ['x'.repeat(5000), 'NOT_FOUND'],
  ])('%s', async (raw, expected) => {
    const r = await resolveMediaPath(root, raw);
    if (expected.includes('.') || expected.includes('/')) {
      expect(r.ok && r.path).toBe(path.join(root, expected));
    } else {
      expect(r).toMatchObject({ ok: false, reason: expected });
    }
  });

  it('reports a missing root as an I/O error, not a 404 reason', async () => {
    expect(await resolveMediaPath(path.join(tmp, 'no-root'), 'a.mp4')).toMatchObject({ ok: false, reason: 'IO_ERROR' });
  });
});
