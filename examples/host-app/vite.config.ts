import { defineConfig } from 'vite';

// The page; the worker is built on its own (vite.sw.config.ts) as a classic script at /sw.js.
export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    // CometChat's Chat SDK (~600 kB) is its own chunk, loaded only when a call is answered.
    chunkSizeWarningLimit: 700,
  },
});
