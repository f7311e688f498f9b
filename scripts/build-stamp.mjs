// Builds what is out of date, and only that: the server (tsc → dist/server) and the web side
// (vite → dist/web, pages and player.js). `npm start` runs it before the server (build-if-stale.mjs),
// `npm install` after installing (postinstall.mjs), so a start on a built tree builds nothing.
//
// "Out of date" is decided by a stamp, not by comparing mtimes with the outputs: after a build
// succeeds, dist/.build-stamps.json records every input file it was built from (path, size,
// mtime). A target is rebuilt when an output is missing, when it has no stamp, or when any input
// was added, removed or changed since (a deletion shows up too, which a newest-mtime check misses).
// Listing ~300 files takes a few milliseconds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STAMP_FILE = 'dist/.build-stamps.json';
const STAMP_VERSION = 1;

/** Shared by both targets: compiler settings and the installed tool versions. */
const COMMON_INPUTS = ['tsconfig.json', 'package.json', 'package-lock.json'];

/** What `npm start` needs built; `script` is the package.json script that builds it. */
export const TARGETS = [
  {
    name: 'server',
    script: 'build:server',
    inputs: ['server', 'tsconfig.build.json', ...COMMON_INPUTS],
    outputs: ['dist/server/main.js'],
  },
  {
    name: 'web',
    script: 'build:web',
    // The pages import the browser-safe protocol from server/core.
    inputs: ['web', 'server/core', ...COMMON_INPUTS],
    outputs: ['dist/web/index.html', 'dist/web/watch.html', 'dist/web/dashboard.html', 'dist/web/player.js'],
  },
];

/** Not inputs even inside an input folder: docs, and anything a tool leaves behind. */
function ignored(name) {
  return name.endsWith('.md') || name === 'node_modules' || name === '.DS_Store' || name.startsWith('.');
}

/** `{ "<path>": "<size>:<mtimeMs>" }` for every file under `inputs` (files or folders), paths with '/'. */
export function listInputs(root, inputs) {
  const files = {};
  const visit = (rel) => {
    let st;
    try {
      st = statSync(path.join(root, rel));
    } catch {
      return; // an optional input (no package-lock.json) is simply absent
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path.join(root, rel)).sort()) if (!ignored(name)) visit(`${rel}/${name}`);
    } else if (st.isFile()) {
      files[rel] = `${st.size}:${Math.round(st.mtimeMs)}`;
    }
  };
  for (const input of inputs) visit(input);
  return files;
}

export function readStamps(root) {
  try {
    const stamps = JSON.parse(readFileSync(path.join(root, STAMP_FILE), 'utf8'));
    return stamps?.version === STAMP_VERSION && typeof stamps.targets === 'object' ? stamps : { version: STAMP_VERSION, targets: {} };
  } catch {
    return { version: STAMP_VERSION, targets: {} };
  }
}

function writeStamps(root, stamps) {
  const file = path.join(root, STAMP_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  // Written whole then renamed: an interrupted write leaves the old stamps, never half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(stamps)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Paths that differ between two listings: changed, added, or removed. */
export function changedFiles(before, now) {
  const out = [];
  for (const [f, v] of Object.entries(now)) if (before[f] !== v) out.push(f);
  for (const f of Object.keys(before)) if (!(f in now)) out.push(f);
  return out.sort();
}

/**
 * Why `target` needs a build, or null when it is up to date. Pure given the listing and the stamp.
 * @param files listInputs() now;  @param stamp the target's stamp (undefined: never built here)
 * @param missing outputs that do not exist
 */
export function staleReason(files, stamp, missing) {
  if (missing.length > 0) return `${missing[0]} is missing`;
  if (!stamp) return 'no build stamp yet';
  const changed = changedFiles(stamp.files ?? {}, files);
  if (changed.length === 0) return null;
  const shown = changed.slice(0, 3).join(', ');
  return `${changed.length} source file${changed.length === 1 ? '' : 's'} changed since the last build (${shown}${changed.length > 3 ? ', …' : ''})`;
}

/** Runs `npm run <script>` with the npm that runs us (npm_execpath), else the one on PATH. */
export function runNpmScript(root, script) {
  const npmCli = process.env.npm_execpath;
  const result = npmCli && /\.[cm]?js$/.test(npmCli)
    ? spawnSync(process.execPath, [npmCli, 'run', '--silent', script], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) throw result.error;
  return result.status === 0;
}

/**
 * Builds every stale target (in TARGETS order) and stamps it; returns what it did. Throws when a
 * build fails (its stamp is left alone, so the next run tries again).
 * `run(script)` → boolean builds one target; `log(line)` says what happens.
 */
export function buildIfStale({ root, targets = TARGETS, run = (script) => runNpmScript(root, script), log = (line) => console.log(line), now = () => performance.now() }) {
  const started = now();
  const stamps = readStamps(root);
  const built = [];
  let checked = 0;
  for (const target of targets) {
    const files = listInputs(root, target.inputs);
    checked += Object.keys(files).length;
    const missing = target.outputs.filter((o) => !existsSync(path.join(root, o)));
    const reason = staleReason(files, stamps.targets[target.name], missing);
    if (reason === null) continue;
    log(`pushcast: building ${target.name} (${reason}): npm run ${target.script}`);
    const t0 = now();
    if (!run(target.script)) throw new Error(`npm run ${target.script} failed`);
    // The listing from before the build: a file edited while it ran makes the next start rebuild.
    stamps.targets[target.name] = { builtAt: new Date().toISOString(), files };
    writeStamps(root, stamps);
    built.push(target.name);
    log(`pushcast: built ${target.name} in ${((now() - t0) / 1000).toFixed(1)} s`);
  }
  const ms = Math.round(now() - started);
  if (built.length === 0) log(`pushcast: build up to date (${checked} source files checked in ${ms} ms)`);
  return { built, checked, ms };
}
