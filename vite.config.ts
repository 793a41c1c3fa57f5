import { readFileSync } from 'node:fs';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * manifest.webmanifest at the top level is the one source of truth: copied
 * as it is, under its own name, so it is never fingerprinted or rewritten.
 */
function copyManifest(): Plugin {
  return {
    name: 'ringkit:manifest',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'manifest.webmanifest', source: readFileSync('manifest.webmanifest', 'utf8') });
    },
  };
}

/** The file name prefix of CometChat's Chat SDK's chunk, loaded when a callee answers (src/calls/cometchat-chat.ts). */
export const CHAT_SDK_CHUNK = 'cometchat-chat';
/** The lazily loaded chunk of a CometChat SDK, by the module it holds. */
export function cometChatChunkName(facadeModuleId: string | null | undefined): string | undefined {
  if (facadeModuleId?.includes('/@cometchat/calls-sdk-javascript/')) return CALLS_SDK_CHUNK;
  if (facadeModuleId?.includes('/@cometchat/chat-sdk-javascript/')) return CHAT_SDK_CHUNK;
  return undefined;
}
/**
 * vite-plugin-pwa builds the worker with `output.inlineDynamicImports`, which
 * Rolldown deprecates (a warning on every build): this passes the same
 * request under its new name, `codeSplitting: false`.
 */
function workerCodeSplittingOption(): Plugin {
  return {
    name: 'ringkit:sw-code-splitting',
    outputOptions(options) {
      const { inlineDynamicImports, ...rest } = options as typeof options & { inlineDynamicImports?: boolean };
      return inlineDynamicImports === undefined ? null : { ...rest, codeSplitting: !inlineDynamicImports };
    },
  };
}

/** The file name prefix of the CometChat calls SDK's chunk (scripts/bundle-sizes.ts looks for it). */
export const CALLS_SDK_CHUNK = 'cometchat-calls';

export default defineConfig({
  plugins: [
    preact(),
    copyManifest(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      manifest: false, // ours is manifest.webmanifest, linked from index.html
      injectRegister: false, // the app registers through virtual:pwa-register/preact
      registerType: 'prompt', // a new version is offered, never forced mid-call
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest,wav}'],
        // The calls SDK (MBs) is fetched when a call is joined, which needs the network anyway.
        // (The manifest's screenshots are for the install dialog only.)
        globIgnores: [`**/${CALLS_SDK_CHUNK}-*.js`, `**/${CHAT_SDK_CHUNK}-*.js`, 'screenshots/**'],
        buildPlugins: { vite: [workerCodeSplittingOption()] },
      },
      devOptions: { enabled: false },
    }),
  ],
  server: {
    port: 5173,
    // the sender, for `vite` during development
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    // The CometChat calls SDK is one ~2.6 MB chunk by design: it loads only when a call is
    // joined (never with the shell, see scripts/bundle-sizes.ts), so Vite's 500 kB
    // warning says nothing about what a user waits for. Everything else stays far below.
    chunkSizeWarningLimit: 3000,
    rolldownOptions: {
      output: {
        // Recognisable names for the lazily loaded SDKs (src/calls/cometchat.ts, src/calls/cometchat-chat.ts).
        chunkFileNames: (chunk) => `assets/${cometChatChunkName(chunk.facadeModuleId) ?? '[name]'}-[hash].js`,
      },
    },
  },
  // The /compat page's report names the app version a support ticket is about.
  define: { __RINGKIT_VERSION__: JSON.stringify((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version) },
});
