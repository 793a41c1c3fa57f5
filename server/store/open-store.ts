import { join } from 'node:path';
import { openPostgresStore } from './postgres';
import { openSqliteStore } from './sqlite';
import type { DeviceStore } from './types';

/** PostgreSQL when a database URL is configured, else an SQLite file in the data directory. */
export async function openStore(config: {
  databaseUrl?: string | undefined;
  dataDir: string;
  onError?: (err: Error) => void;
}): Promise<DeviceStore> {
  // An empty DATABASE_URL= in an env file means "not set".
  const url = config.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      // Refuse rather than silently fall back to SQLite on a typo.
      throw new Error('databaseUrl must start with postgres:// or postgresql://');
    }
    return openPostgresStore(url, config.onError ? { onError: config.onError } : {});
  }
  return openSqliteStore(join(config.dataDir, 'ringkit.sqlite'));
}
