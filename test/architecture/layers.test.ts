/**
 * The layering of the source tree, checked from the import statements themselves: folders form
 * ranked layers, a file imports only from its own folder or from a lower layer, the browser bundle
 * reaches the server side only through server/core, and no chain of imports comes back to where it
 * started. docs/ARCHITECTURE.md draws the same layers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Folder → layer rank. A file may import from its own folder or from any folder of a lower rank. */
const LAYERS: Record<string, number> = {
  'server/core': 0, // browser-safe: protocol, error registry, playhead maths, moof/prft readers
  'server/http': 1, // HTTP mechanics (Range, conditionals, CORS, safe paths): no pushcast state
  'server/media': 1, // fMP4 box reading
  'server/runtime': 2, // config, logs, redaction, metrics, child processes
  'server/ffmpeg': 3, // one ffmpeg or ffprobe process: locate, args, probe, fragmenter
  'server/library': 3, // the media files and their URLs
  'server/access': 3, // tokens, rate limits, the command gate
  'server/store': 3, // SQLite: the database, migrations, one repository per table
  'server/channel': 4, // a channel: lifecycle, timelines, GOP cache, registry
  'server/vod': 4, // files over HTTP: descriptions, derived copies, routes
  'server/comments': 4, // timed comments: rules, the service that stamps, stores and announces them
  'server/api': 5, // HTTP routes over channels (commands, health)
  'server/ws': 5, // the WebSocket edge: upgrade gate, session, heartbeat
  'server/upload': 5, // resumable uploads (tus at /api/uploads): naming, probe-and-place, sweep
  server: 6, // wiring: server.ts, main.ts
  'web/src/player': 10, // the browser player (imports server/core only)
  'web/src/pages': 11, // the pages that use it
  'web/src/embed': 12, // <pushcast-player> (player.js): the player and the pages' comments layer
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const FILES = [...sources('server'), ...sources('web/src')];

/** The relative imports of a file (static, dynamic and type-only), as repo paths of .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    if (!m[1]!.endsWith('.js')) continue; // a stylesheet or asset for the bundler, not a module
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return out;
}

function folderOf(file: string): string {
  return path.posix.dirname(file);
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

describe('source layers', () => {
  it('every source folder has a layer', () => {
    expect(FILES.map(folderOf).filter((d) => !(d in LAYERS))).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const missing = [...GRAPH].flatMap(([f, targets]) => targets.filter((t) => !GRAPH.has(t)).map((t) => `${f} → ${t}`));
    expect(missing).toEqual([]);
  });

  it('imports go down the layers, never up or sideways', () => {
    const bad: string[] = [];
    for (const [file, targets] of GRAPH) {
      const from = folderOf(file);
      for (const t of targets) {
        const to = folderOf(t);
        if (to === from || !(to in LAYERS) || !(from in LAYERS)) continue;
        const web = from.startsWith('web/');
        // The browser side reaches the server tree only through the browser-safe core.
        if (web && !to.startsWith('web/') && to !== 'server/core') bad.push(`${file} → ${t} (web may use server/core only)`);
        else if (LAYERS[to]! >= LAYERS[from]! && !(web && to === 'server/core')) bad.push(`${file} → ${t} (${LAYERS[from]} → ${LAYERS[to]})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the browser-safe core imports nothing outside itself, not even node: modules', () => {
    const bad = FILES.filter((f) => folderOf(f) === 'server/core').filter((f) => {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      return /from\s+['"](?!\.\/)[^'"]+['"]/.test(text) || /require\(/.test(text);
    });
    expect(bad).toEqual([]);
  });

  it('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of GRAPH.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' → '));
        else if (!state.has(t) && GRAPH.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of FILES) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
