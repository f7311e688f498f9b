// `npm start` runs this before the server: builds the server and/or the web side only when their
// sources changed since the last build (build-stamp.mjs), so a start on a built tree takes about a
// second. Exits 1 when a build fails, so the server never starts on a half-built tree.
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-stamp.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
try {
  buildIfStale({ root });
} catch (err) {
  console.error(`pushcast: ${err?.message ?? err}`);
  process.exit(1);
}
