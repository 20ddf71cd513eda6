import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Bundles the viewer page (uPlot and the app) into dist/web: no CDN, served by `actfusion view`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
