/**
 * Builds the `ringkit` package's entry points into lib/ (npm pack runs it):
 *
 *   lib/client.js, lib/sw.js, lib/ringer.js   ES modules for the host's bundler
 *   lib/sender/index.js, lib/sender/bin.js    ES modules for Node (ringkit/sender, the ringkit-sender bin)
 *   lib/<entry>.d.ts                          one bundled declaration file per entry point
 *
 * Dependencies stay imports (the host's bundler dedupes Preact and idb; Node
 * resolves the sender's). Each runtime's declarations are emitted with its own
 * tsconfig (DOM, WebWorker, Node), then bundled per entry by rollup-plugin-dts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import preact from '@preact/preset-vite';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { build } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..');
const LIB = path.join(ROOT, 'lib');
const TYPES = path.join(LIB, '.types');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const dependencies = Object.keys(pkg.dependencies);
/** A bare import of a dependency (or of a subpath of one) stays an import. */
const isDependency = (id: string) => dependencies.some((d) => id === d || id.startsWith(`${d}/`));
const isNodeBuiltin = (id: string) => id.startsWith('node:') || builtinModules.includes(id);

/** The page's and the worker's entry points, for the host's bundler. */
async function buildBrowserEntries(): Promise<void> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    plugins: [preact()],
    build: {
      outDir: LIB,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      minify: false,
      lib: {
        entry: { client: 'src/client.ts', sw: 'sw/index.ts', ringer: 'src/ringer/index.ts' },
        formats: ['es'],
        fileName: (_format, name) => `${name}.js`,
      },
      rolldownOptions: { external: isDependency, output: { chunkFileNames: 'chunks/[name]-[hash].js' } },
    },
  });
  // The ringer's default ringtone (DEFAULT_RINGTONE, /ringtone.wav): the host serves this file.
  copyFileSync(path.join(ROOT, 'public/ringtone.wav'), path.join(LIB, 'ringtone.wav'));
}

/** The sender, for Node: createSender and the standalone bin. */
async function buildSender(): Promise<void> {
  const out = path.join(LIB, 'sender');
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'node20',
      sourcemap: true,
      minify: false,
      ssr: true,
      rolldownOptions: {
        input: { index: 'server/index.ts', bin: 'server/main.ts' },
        external: (id) => isDependency(id) || isNodeBuiltin(id),
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          banner: (chunk) => (chunk.name === 'bin' ? '#!/usr/bin/env node' : ''),
        },
      },
    },
  });
  // Loaded by path (new URL('./encrypt-worker.mjs', import.meta.url)): beside whichever file holds encryption.ts.
  const holders = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && readFileSync(path.join(out, f), 'utf8').includes('./encrypt-worker.mjs'));
  if (holders.length !== 1) throw new Error(`expected one sender file to load encrypt-worker.mjs, found ${holders.length}`);
  copyFileSync(path.join(ROOT, 'server/push/encrypt-worker.mjs'), path.join(out, path.dirname(holders[0]!), 'encrypt-worker.mjs'));
}

/** Each runtime's declarations, then one bundled .d.ts per entry point. */
async function buildDeclarations(): Promise<void> {
  for (const project of ['src', 'sw', 'server']) {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, `scripts/package-types/${project}.json`)], { stdio: 'inherit' });
  }
  const entries: Record<string, string> = {
    client: 'src/src/client.d.ts',
    ringer: 'src/src/ringer/index.d.ts',
    sw: 'sw/sw/index.d.ts',
    sender: 'server/server/index.d.ts',
  };
  for (const [name, file] of Object.entries(entries)) {
    const bundle = await rollup({ input: path.join(TYPES, file), plugins: [dts({ respectExternal: false })], external: (id) => isDependency(id) || isNodeBuiltin(id) });
    await bundle.write({ file: path.join(LIB, `${name}.d.ts`), format: 'es' });
    await bundle.close();
  }
  rmSync(TYPES, { recursive: true, force: true });
  // The worker's entry speaks of ServiceWorkerGlobalScope: the host's worker tsconfig has the WebWorker lib.
  const sw = path.join(LIB, 'sw.d.ts');
  const text = readFileSync(sw, 'utf8');
  if (!text.startsWith('/// <reference lib="webworker" />')) writeFileSync(sw, `/// <reference lib="webworker" />\n${text}`);
}

mkdirSync(LIB, { recursive: true });
await buildBrowserEntries();
await buildSender();
await buildDeclarations();
console.log('ringkit: built lib/ (client, sw, ringer, sender)');
