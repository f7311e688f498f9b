/**
 * Vite config for the browser pages. Used two ways:
 *  - `vite build --config web/vite.config.ts` → dist/web (index.html, watch.html, play.html, assets/),
 *    which the server serves: `/` → index.html, `/watch/<channel>` → watch.html, `/play/<file>` →
 *    play.html, `/assets/*`;
 *  - by the server in middleware mode for `npm run dev`
 *    (`createServer({ configFile: 'web/vite.config.ts', server: { middlewareMode: true }, appType: 'mpa' })`).
 *    The plugin below maps `/watch/<channel>` to watch.html and `/dashboard` to dashboard.html there,
 *    mirroring the production routes.
 * Paths are resolved from this file, so it works whatever the current directory is.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Dev only: serve watch.html for /watch/<channel>, dashboard.html for /dashboard, play.html for /play/<file>, the embed entry for /player.js (the server does the same for the build). */
function watchRoute(): Plugin {
  return {
    name: 'pushcast-watch-route',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url && /^\/watch\/[^/?#]+\/?(?:[?#].*)?$/.test(req.url)) req.url = '/watch.html';
        else if (req.url && /^\/dashboard\/?(?:[?#].*)?$/.test(req.url)) req.url = '/dashboard.html';
        else if (req.url && /^\/play\/[^?#]/.test(req.url)) req.url = '/play.html';
        // The embeddable player (built by web/vite.embed.config.ts for production).
        else if (req.url && /^\/player\.js(?:[?#].*)?$/.test(req.url)) req.url = '/src/embed/index.ts';
        next();
      });
    },
  };
}

export default defineConfig({
  root: webRoot,
  base: '/',
  appType: 'mpa',
  plugins: [watchRoute()],
  server: {
    // The pages import the shared protocol from ../server (browser-safe modules only).
    fs: { allow: [repoRoot] },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        watch: fileURLToPath(new URL('watch.html', import.meta.url)),
        dashboard: fileURLToPath(new URL('dashboard.html', import.meta.url)),
        play: fileURLToPath(new URL('play.html', import.meta.url)),
      },
    },
  },
});
