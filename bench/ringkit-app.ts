/** RingKit's sender as both benches start it: its real app, SQLite store and config, on a fresh data dir. */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import webpush from 'web-push';
import { buildApp, type App } from '../server/app';
import { loadConfig, type Config } from '../server/config';
import { loadSecrets, type Secrets } from '../server/secrets';
import { openStore } from '../server/store/open-store';
import type { DeviceStore } from '../server/store/types';
import { SEED_SUBJECT } from './seed-template';

/** One VAPID key pair per bench process, for whichever sender it runs. */
export const vapidKeys = webpush.generateVAPIDKeys();

export interface RingKitUnderTest {
  app: App;
  store: DeviceStore;
  config: Config;
  secrets: Secrets;
}

/** What several instances of one sender share (one PostgreSQL database, the same keys). */
export interface SharedSecrets {
  apiKey: string;
  authSecret: string;
  vapid: { publicKey: string; privateKey: string };
}

export function newSharedSecrets(): SharedSecrets {
  return { apiKey: randomBytes(18).toString('base64url'), authSecret: randomBytes(32).toString('base64url'), vapid: vapidKeys };
}

export async function startRingKit(o: {
  logger: (config: Config) => { logger: FastifyBaseLogger; logRequests?: boolean };
  encryptionThreads: number | undefined;
  /** PostgreSQL (several instances); default SQLite in the data dir */
  databaseUrl?: string | undefined;
  shared?: SharedSecrets;
}): Promise<RingKitUnderTest> {
  const shared = o.shared ?? newSharedSecrets();
  const config = loadConfig({
    RINGKIT_DATA_DIR: await mkdtemp(join(tmpdir(), 'ringkit-bench-')),
    RINGKIT_PUSH_HOSTS: '127.0.0.1,localhost',
    VAPID_SUBJECT: SEED_SUBJECT,
    VAPID_PUBLIC_KEY: shared.vapid.publicKey,
    VAPID_PRIVATE_KEY: shared.vapid.privateKey,
    RINGKIT_API_KEY: shared.apiKey,
    RINGKIT_AUTH_SECRET: shared.authSecret,
  });
  const secrets = await loadSecrets(config);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: o.databaseUrl, onError: () => {} });
  const app = await buildApp({
    config, secrets, store, ...o.logger(config),
    ...(o.encryptionThreads === undefined ? {} : { encryptionThreads: o.encryptionThreads }),
  });
  await app.http.ready(); // a running sender compiled its routes at startup
  return { app, store, config, secrets };
}
