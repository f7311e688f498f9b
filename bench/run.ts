/**
 * `npm run bench -- <name> [options]`: runs one benchmark of the suite (bench/<name>.ts).
 * Each prints a table and writes bench/results/<name>.json; see docs/BENCHMARKS.md.
 */
const NAMES = ['delay', 'sync', 'fanout', 'range', 'sources'] as const;
const name = process.argv[2];
if (!name || !(NAMES as readonly string[]).includes(name)) {
  console.error(`usage: npm run bench -- <${NAMES.join('|')}> [options]\n(see docs/BENCHMARKS.md)`);
  process.exit(2);
}
process.argv.splice(2, 1);
await import(`./${name}.js`);
