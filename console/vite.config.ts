import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console: a static site (DESIGN.md decision 9). Everything is bundled (no CDN), so that a
 * strict Content-Security-Policy (`default-src 'self'`) holds on AWS (CloudFront) and locally
 * (`npm start`). Settings are read at run time from `config.json` beside `index.html`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline `<script>` or data: URLs anywhere, so the CSP needs no 'unsafe-inline'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
