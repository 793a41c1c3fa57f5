/**
 * Both device stores on fresh, empty storage, for tests that run against each.
 * Call `closeStores()` in afterEach (or afterAll) and `cleanupStores()` in
 * afterAll: they close what was opened and drop the databases / temp files.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore, type PostgresStoreOptions } from '../../server/store/postgres';
import { openSqliteStore } from '../../server/store/sqlite';
import type { DeviceStore } from '../../server/store/types';

export interface StoreFactory {
  name: 'sqlite' | 'postgres';
  /** A store on fresh, empty storage. */
  open(): Promise<DeviceStore>;
  /** Fresh, empty storage (an SQLite file path or a database URL), for opening more than once. */
  location(): Promise<string>;
  /** Another store on the same storage. */
  openAt(location: string): Promise<DeviceStore>;
  /** The schema versions recorded in the storage, ascending. */
  appliedMigrations(location: string): Promise<number[]>;
}

const opened = new Set<DeviceStore>();
const tempDirs: string[] = [];
const databases: string[] = [];
let admin: Promise<pg.Client> | undefined;

function track(store: DeviceStore): DeviceStore {
  opened.add(store);
  return store;
}

/** Connection to the provided database, used to create and drop the per-test databases. */
function adminClient(): Promise<pg.Client> {
  admin ??= (async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    client.on('error', () => {});
    await client.connect();
    return client;
  })();
  return admin;
}

function databaseUrl(name: string): string {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

export const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  async location() {
    const dir = await mkdtemp(join(tmpdir(), 'ringkit-store-'));
    tempDirs.push(dir);
    // A missing parent directory: the store must create it.
    return join(dir, 'data', 'ringkit.sqlite');
  },
  async openAt(file) {
    return track(await openSqliteStore(file));
  },
  async open() {
    return this.openAt(await this.location());
  },
  async appliedMigrations(file) {
    const db = new Database(file, { readonly: true });
    try {
      return db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        .all()
        .map((r) => r.version);
    } finally {
      db.close();
    }
  },
};

export const postgresFactory: StoreFactory & {
  openAt(url: string, options?: PostgresStoreOptions): Promise<DeviceStore>;
} = {
  name: 'postgres',
  async location() {
    // Random, lowercase, and only [a-z0-9_]: safe to interpolate (identifiers cannot be parameters).
    const name = `rk_${randomUUID().replaceAll('-', '')}`;
    await (await adminClient()).query(`CREATE DATABASE ${name}`);
    databases.push(name);
    return databaseUrl(name);
  },
  async openAt(url: string, options?: PostgresStoreOptions) {
    return track(await openPostgresStore(url, options));
  },
  async open() {
    return this.openAt(await this.location());
  },
  async appliedMigrations(url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      return rows.map((r) => r.version);
    } finally {
      await client.end();
    }
  },
};

export const storeFactories: StoreFactory[] = [sqliteFactory, postgresFactory];

/** Closes every store the factories opened. */
export async function closeStores(): Promise<void> {
  const stores = [...opened];
  opened.clear();
  await Promise.allSettled(stores.map((s) => s.close()));
}

/**
 * Closes the stores, then drops the databases and removes the files created,
 * so a shared RINGKIT_TEST_DATABASE_URL server is left as it was.
 */
export async function cleanupStores(): Promise<void> {
  await closeStores();
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  const names = databases.splice(0);
  if (admin) {
    const client = await admin;
    admin = undefined;
    try {
      // FORCE (PostgreSQL 13+) in case a test left a connection open.
      for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
}
