/**
 * vitest globalSetup: provides `databaseUrl` to the tests. Uses
 * RINGKIT_TEST_DATABASE_URL when set; otherwise starts a throwaway PostgreSQL
 * cluster from the locally installed binaries and stops it afterwards.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, realpathSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const run = promisify(execFile);
const NOT_INSTALLED = 'PostgreSQL is not installed: apt-get install postgresql (or set RINGKIT_TEST_DATABASE_URL)';
const DATABASE = 'ringkit_test';
const SUPERUSER = 'postgres';

/** The directory holding initdb and pg_ctl: Debian's highest version, else whatever is on PATH. */
function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = join(root, v, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const initdb = join(dir, 'initdb');
    if (!existsSync(initdb)) continue;
    // /usr/local/bin/initdb may be a symlink; pg_ctl must come from the same installation.
    const bin = dirname(realpathSync(initdb));
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(NOT_INSTALLED);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.RINGKIT_TEST_DATABASE_URL;
  if (external) {
    project.provide('databaseUrl', external);
    return async () => {};
  }
  const cluster = await startThrowawayPostgres();
  project.provide('databaseUrl', cluster.databaseUrl);
  return cluster.stop;
}

/**
 * A PostgreSQL cluster in a temporary directory, on a free loopback port,
 * with one empty database; `stop` removes it all. Also used by `npm run soak`.
 */
export async function startThrowawayPostgres(): Promise<{ databaseUrl: string; stop(): Promise<void> }> {
  const bin = findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: run the cluster as Debian's postgres user.
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const exec = async (tool: string, args: string[]) => {
    const [file, argv] = command(tool, args);
    try {
      await run(file, argv, { timeout: 60_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string; stdout?: string };
      throw new Error(`${tool} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };

  const dir = await mkdtemp(join(tmpdir(), 'ringkit-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  let started = false;
  const stopSync = () => {
    if (!started) return;
    started = false;
    const [file, argv] = command('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    spawnSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
  };
  // Last resort if vitest dies without running the teardown: do not leave a postmaster behind.
  process.once('exit', stopSync);

  const cleanUp = async () => {
    stopSync();
    process.off('exit', stopSync);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    if (asRoot) {
      try {
        chownSync(dir, ...postgresIds());
      } catch (err) {
        throw new Error(`running as root needs the postgres system user (${(err as Error).message}); ${NOT_INSTALLED}`);
      }
    }
    await exec('initdb', ['-D', data, '-U', SUPERUSER, '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);

    await appendFile(
      join(data, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        // Durability is pointless for a throwaway cluster and slows every test.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 300',
        '',
      ].join('\n'),
    );

    let url: string | undefined;
    let lastError: unknown;
    // A free port can be taken between probing and binding; retry with another.
    for (let attempt = 0; attempt < 3 && !url; attempt++) {
      const port = await freePort();
      started = true; // so a half-started postmaster is stopped too
      try {
        await exec('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '30', '-o', `-p ${port}`]);
        url = `postgres://${SUPERUSER}@127.0.0.1:${port}`;
      } catch (err) {
        lastError = err;
        stopSync();
      }
    }
    if (!url) {
      const tail = await readFile(log, 'utf8').catch(() => '');
      throw new Error(`could not start PostgreSQL: ${(lastError as Error).message}\n${tail.slice(-2000)}`);
    }

    const admin = new pg.Client({ connectionString: `${url}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
    return { databaseUrl: `${url}/${DATABASE}`, stop: cleanUp };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** uid and gid of the postgres system user. */
function postgresIds(): [number, number] {
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const outG = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  const uid = Number.parseInt(out.stdout, 10);
  const gid = Number.parseInt(outG.stdout, 10);
  if (out.status !== 0 || outG.status !== 0 || Number.isNaN(uid) || Number.isNaN(gid)) {
    throw new Error('no postgres user');
  }
  return [uid, gid];
}
