/**
 * What the browser loads from the build (dist/), gzipped, against the client
 * budgets (issue 10): the ringer library, the app shell's initial JavaScript,
 * the service worker, and where the CometChat SDKs went. The build test
 * (e2e/build.e2e.test.ts) fails on a budget; the bench report prints the same
 * measurements. Run alone: `tsx scripts/bundle-sizes.ts` (after `npm run build`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';

/** Budgets in bytes, gzip (kB = 1000 bytes, as Vite reports them). */
export const BUDGETS = {
  // 10.5 kB: the widget answers busy during a call and offers a retry when a decline does not get through (issue 15)
  ringer: 10_500,
  shellInitialJs: 35_000,
  serviceWorker: 20_000,
} as const;

export const RINGER_FILE = 'ringer/ringkit-ringer.js';
export const SERVICE_WORKER_FILE = 'sw.js';
/** The file names the builds give the lazily loaded CometChat SDKs' chunks (vite.config.ts). */
const CALLS_SDK_FILE = /(^|\/)cometchat-calls-[\w-]+\.js$/;
const CHAT_SDK_FILE = /(^|\/)cometchat-chat-[\w-]+\.js$/;

export interface BundleSizes {
  /** gzip bytes of dist/ringer/ringkit-ringer.js and the chunks it imports statically */
  ringer: number;
  /** gzip bytes of every script index.html loads before anything runs: its module scripts, modulepreloads and their static imports */
  shellInitialJs: number;
  /** those files, relative to dist/ */
  shellInitialFiles: string[];
  /** gzip bytes of dist/sw.js */
  serviceWorker: number;
  /** the JS files (relative to dist/) holding the calls SDK */
  callsSdkFiles: string[];
  /** gzip bytes of the calls SDK's files */
  callsSdk: number;
  /** the JS files (relative to dist/) holding CometChat's Chat SDK, loaded when a callee answers */
  chatSdkFiles: string[];
  chatSdk: number;
}

export function gzipSize(file: string): number {
  return gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }).length;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

/** The site-absolute URLs index.html loads as module scripts or module preloads. */
function htmlModuleUrls(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const module = /\btype="module"/.test(tag) && /^<script/.test(tag);
    const preload = /\brel="modulepreload"/.test(tag);
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if ((module || preload) && url && url.startsWith('/')) urls.push(url);
  }
  return urls;
}

/** The static import closure of `entries` (site-absolute URLs): what loads before the app's code runs. */
async function staticClosure(dist: string, entries: string[]): Promise<string[]> {
  await init;
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const url = queue.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const [imports] = parse(readFileSync(join(dist, url), 'utf8'));
    for (const i of imports) {
      // d === -1: a static import (or re-export); dynamic import() loads later, on demand.
      if (i.d !== -1 || !i.n || !i.n.startsWith('.')) continue;
      queue.push(posix.join(posix.dirname(url), i.n));
    }
  }
  return [...seen].map((u) => u.slice(1)).sort();
}

export async function measureBundles(dist: string): Promise<BundleSizes> {
  for (const f of ['index.html', RINGER_FILE, SERVICE_WORKER_FILE]) {
    if (!existsSync(join(dist, f))) throw new Error(`${f} is not in ${dist}: run \`npm run build\` first`);
  }
  const shellInitialFiles = await staticClosure(dist, htmlModuleUrls(readFileSync(join(dist, 'index.html'), 'utf8')));
  const files = jsFiles(dist).map((f) => relative(dist, f).split('\\').join('/'));
  const callsSdkFiles = files.filter((f) => CALLS_SDK_FILE.test(f)).sort();
  const chatSdkFiles = files.filter((f) => CHAT_SDK_FILE.test(f)).sort();
  const sum = (files: string[]) => files.reduce((n, f) => n + gzipSize(join(dist, f)), 0);
  // The widget's entry and what it imports statically: what a page loading it fetches before it can ring.
  const ringerFiles = await staticClosure(dist, [`/${RINGER_FILE}`]);
  return {
    ringer: sum(ringerFiles),
    shellInitialJs: sum(shellInitialFiles),
    shellInitialFiles,
    serviceWorker: gzipSize(join(dist, SERVICE_WORKER_FILE)),
    callsSdkFiles,
    callsSdk: sum(callsSdkFiles),
    chatSdkFiles,
    chatSdk: sum(chatSdkFiles),
  };
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;

/** A small table, for the bench report and the command line. */
export function formatBundleSizes(s: BundleSizes): string {
  const rows: [string, number, number | undefined][] = [
    [`ringer widget (${RINGER_FILE})`, s.ringer, BUDGETS.ringer],
    [`app shell initial JS (${s.shellInitialFiles.join(', ')})`, s.shellInitialJs, BUDGETS.shellInitialJs],
    [`service worker (${SERVICE_WORKER_FILE})`, s.serviceWorker, BUDGETS.serviceWorker],
    [`CometChat calls SDK, loaded on join (${s.callsSdkFiles.join(', ') || 'not found'})`, s.callsSdk, undefined],
    [`CometChat Chat SDK, loaded on answer (${s.chatSdkFiles.join(', ') || 'not found'})`, s.chatSdk, undefined],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows
    .map(([name, size, budget]) => `${name.padEnd(width)}  ${kB(size).padStart(10)} gzip${budget ? `  (budget ${kB(budget)})` : ''}`)
    .join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  console.log(formatBundleSizes(await measureBundles(dist)));
}
