/**
 * Vite config for the embeddable player: `vite build --config web/vite.embed.config.ts` (the second
 * half of `npm run build:web`) → dist/web/player.js, one self-contained ES module that defines
 * `<pushcast-player>` (web/src/embed/index.ts). The server serves it at /player.js with CORS for
 * allowedOrigins (server/http/static.ts).
 *
 * One file on purpose: other sites load it with `<script type="module" src="https://host/player.js">`,
 * and any chunk split off it would be one more cross-origin fetch to get wrong. So no code
 * splitting, CSS in the JS (web/src/embed/styles.ts), no public/ copy, and dist/web is not emptied
 * (the pages' build, web/vite.config.ts, runs first and owns the folder).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: false,
    copyPublicDir: false,
    target: 'es2022',
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('src/embed/index.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'player.js',
    },
    rolldownOptions: {
      output: { codeSplitting: false },
    },
  },
});
