import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { cometChatChunkName } from './vite.config.ts';

/**
 * The ringer as its own library: one ES module with Preact bundled in, that a
 * host app imports or loads with a script tag. Built after the app
 * (`npm run build`) into dist/ringer/, which the sender serves as /ringer/.
 */
export default defineConfig({
  plugins: [preact()],
  publicDir: false,
  build: {
    target: 'es2022',
    outDir: 'dist/ringer',
    emptyOutDir: true,
    sourcemap: true,
    // Lib mode keeps whitespace in ES output (for the importer's tree-shaking);
    // this file is loaded as it is by script tags, so it is minified in full.
    rolldownOptions: { output: { minify: true, chunkFileNames: (chunk) => `${cometChatChunkName(chunk.facadeModuleId) ?? '[name]'}-[hash].js` } },
    lib: {
      entry: 'src/ringer/index.ts',
      formats: ['es'],
      fileName: () => 'ringkit-ringer.js',
    },
  },
});
