/**
 * What the docs may name, read from the source itself (never a hand list):
 * the variables the sender reads, those the app's build and the test suites
 * read, the error codes the sender answers, its metrics, the ringer's
 * attributes and CSS properties, the npm scripts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The .ts/.tsx/.css/.mjs files under a folder of the repository. */
function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(tsx?|mjs|css)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

function matches(files: string[], pattern: RegExp): Set<string> {
  const found = new Set<string>();
  for (const file of files) for (const m of read(file).matchAll(pattern)) found.add(m[1]!);
  return found;
}

/** `env.NAME` in server/: config.ts, the egress proxy, the logger… */
export const senderVariables = (): Set<string> => matches(sources('server'), /\benv\.([A-Za-z_][A-Za-z0-9_]*)/g);

/** Variables a command line in the docs may set: the sender's, the app's build (VITE_*), the suites' (process.env.*). */
export function knownVariables(): Set<string> {
  const build = matches(sources('src'), /\b(VITE_[A-Z0-9_]+)/g);
  const suites = matches([...sources('test/support'), ...sources('e2e'), ...sources('load'), ...sources('bench')], /process\.env\.([A-Z][A-Z0-9_]*)/g);
  return new Set([...senderVariables(), ...build, ...suites]);
}

/** Every `code` of an {"error":{"code","message"}} the sender answers. */
export function errorCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sources('server')) {
    for (const line of read(file).split('\n')) {
      if (!/ApiError\(|TokenError\(|errorBody\(|code: '/.test(line)) continue;
      for (const m of line.matchAll(/'([a-z]+(?:_[a-z]+)+)'/g)) codes.add(m[1]!);
    }
  }
  return codes;
}

/** The Prometheus metrics the sender registers. */
export const metricNames = (): Set<string> => matches(sources('server/metrics'), /name: '(ringkit_[a-z_]+)'/g);

/** The attributes <ringkit-ringer> observes. */
export function ringerAttributes(): Set<string> {
  const list = /observedAttributes = \[([^\]]*)\]/.exec(read('src/ringer/element.tsx'))?.[1] ?? '';
  return new Set([...list.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!));
}

/** The CSS custom properties the ringer reads (var(--ringkit-ringer-…)). */
export const ringerProperties = (): Set<string> => matches(sources('src/ringer'), /var\((--ringkit-ringer-[a-z-]+)/g);

export const npmScripts = (): Set<string> => new Set(Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts));
