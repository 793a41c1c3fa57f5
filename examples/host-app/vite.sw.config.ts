import { defineConfig } from 'vite';

// The service worker as one classic script (every browser runs those), next to the page's build.
export default defineConfig({
  publicDir: false,
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    lib: { entry: 'src/sw.ts', formats: ['iife'], name: 'exampleWorker', fileName: () => 'sw.js' },
  },
});
