/**
 * scripts/build-stamp.mjs: `npm start` and `npm install` build only what changed. A temporary tree
 * with a fake build (it writes the outputs and counts its runs) stands in for tsc and vite.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without type declarations
import { STAMP_FILE, TARGETS, buildIfStale, changedFiles, runNpmScript, staleReason } from '../../scripts/build-stamp.mjs';
import { tempDir } from '../helpers/server.js';

describe('changedFiles / staleReason', () => {
  it.each([
    [{ a: '1:1' }, { a: '1:1' }, []],
    [{ a: '1:1' }, { a: '1:2' }, ['a']], // touched
    [{ a: '1:1' }, { a: '2:1' }, ['a']], // same mtime, other size
    [{ a: '1:1' }, { a: '1:1', b: '1:1' }, ['b']], // added
    [{ a: '1:1', b: '1:1' }, { a: '1:1' }, ['b']], // removed: a newest-mtime check would miss it
  ])('%j → %j: %j', (before, now, changed) => {
    expect(changedFiles(before, now)).toEqual(changed);
  });

  it.each([
    [{ a: '1:1' }, { files: { a: '1:1' } }, [], null],
    [{ a: '1:1' }, { files: { a: '1:1' } }, ['dist/x.js'], 'dist/x.js is missing'],
    [{ a: '1:1' }, undefined, [], 'no build stamp yet'],
    [{ a: '1:2' }, { files: { a: '1:1' } }, [], '1 source file changed since the last build (a)'],
    [{ a: '2', b: '2', c: '2', d: '2' }, { files: {} }, [], '4 source files changed since the last build (a, b, c, …)'],
  ])('%j with stamp %j, missing %j → %s', (files, stamp, missing, reason) => {
    expect(staleReason(files, stamp, missing)).toBe(reason);
  });

  it('the real targets cover what npm start serves', () => {
    const outputs = (TARGETS as Array<{ outputs: string[] }>).flatMap((t) => t.outputs);
    expect(outputs).toEqual(expect.arrayContaining(['dist/server/main.js', 'dist/web/index.html', 'dist/web/player.js']));
  });
});

describe('buildIfStale', () => {
  let tree: { dir: string; remove(): void };
  let runs: string[];
  const targets = [
    { name: 'server', script: 'build:server', inputs: ['server', 'package.json'], outputs: ['dist/server/main.js'] },
    { name: 'web', script: 'build:web', inputs: ['web', 'server/core', 'package.json'], outputs: ['dist/web/index.html'] },
  ];
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(tree.dir, rel)), { recursive: true });
    writeFileSync(path.join(tree.dir, rel), text);
  };
  /** A fake build: writes the target's outputs, or fails when asked to. */
  let failing: string | null;
  const run = (script: string): boolean => {
    runs.push(script);
    if (script === failing) return false;
    for (const o of targets.find((t) => t.script === script)!.outputs) write(o, `built by ${script}`);
    return true;
  };
  const build = (): { built: string[]; lines: string[] } => {
    const lines: string[] = [];
    const { built } = buildIfStale({ root: tree.dir, targets, run, log: (l: string) => lines.push(l) });
    return { built, lines };
  };

  beforeEach(() => {
    tree = tempDir('pushcast-stamp-');
    runs = [];
    failing = null;
    write('package.json', '{}');
    write('server/main.ts', 'main');
    write('server/core/protocol.ts', 'protocol');
    write('web/index.html', '<html>');
    write('web/README.md', 'docs');
  });
  afterEach(() => tree.remove());

  it('builds everything once, then nothing while the sources stay the same', () => {
    expect(build()).toMatchObject({ built: ['server', 'web'] });
    expect(runs).toEqual(['build:server', 'build:web']);
    const again = build();
    expect(again.built).toEqual([]);
    expect(again.lines).toEqual([expect.stringMatching(/^pushcast: build up to date \(6 source files checked in \d+ ms\)$/)]);
    expect(runs).toHaveLength(2);
  });

  it('rebuilds only the target whose sources changed, and says which file', () => {
    build();
    write('web/index.html', '<html lang="en">');
    const { built, lines } = build();
    expect(built).toEqual(['web']);
    expect(lines[0]).toBe('pushcast: building web (1 source file changed since the last build (web/index.html)): npm run build:web');
  });

  it('a change in server/core rebuilds both (the web side imports it)', () => {
    build();
    const file = path.join(tree.dir, 'server/core/protocol.ts');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(build().built).toEqual(['server', 'web']);
  });

  it('notices a deleted source file and a missing output', () => {
    build();
    rmSync(path.join(tree.dir, 'server/main.ts'));
    expect(build().built).toEqual(['server']);
    rmSync(path.join(tree.dir, 'dist/web/index.html'));
    expect(build()).toMatchObject({ built: ['web'], lines: [expect.stringContaining('dist/web/index.html is missing'), expect.any(String)] });
  });

  it('ignores docs', () => {
    build();
    write('web/README.md', 'more docs');
    expect(build().built).toEqual([]);
  });

  it('a failed build throws and leaves no stamp for it, so the next run tries again (the server stays built)', () => {
    failing = 'build:web';
    expect(() => build()).toThrow('npm run build:web failed');
    failing = null;
    expect(build().built).toEqual(['web']);
    expect(existsSync(path.join(tree.dir, STAMP_FILE))).toBe(true);
  });
});

describe('runNpmScript (the real npm)', () => {
  it('runs a package.json script in the given root and reports its exit status', () => {
    const tree = tempDir('pushcast-stamp-npm-');
    try {
      writeFileSync(path.join(tree.dir, 'package.json'), JSON.stringify({
        name: 'stamp-fixture', private: true,
        scripts: { ok: 'node -e "require(\'fs\').writeFileSync(\'out.txt\', \'built\')"', fails: 'node -e "process.exit(3)"' },
      }));
      expect(runNpmScript(tree.dir, 'ok')).toBe(true);
      expect(readFileSync(path.join(tree.dir, 'out.txt'), 'utf8')).toBe('built');
      expect(runNpmScript(tree.dir, 'fails')).toBe(false);
    } finally {
      tree.remove();
    }
  });
});
