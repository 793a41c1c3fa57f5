import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import webpush from 'web-push';
import { assertStrongSecret, ConfigError, type Config } from './config';
import { securePrivateDir, writeSecretFile } from './data-dir';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface Secrets {
  vapid: VapidKeys;
  apiKey: string;
  authSecret: string;
  /** where generated secrets were written, for the start-up log */
  generated: string[];
}

const VAPID_FILE = 'vapid-keys.json';
const DEV_SECRETS_FILE = 'dev-secrets.json';

/**
 * VAPID keys come from the environment, else from the data dir, where they
 * are generated once: a new key pair would orphan every subscription (browsers
 * bind a subscription to the key it was made with).
 * In development the API key and auth secret are generated the same way, so
 * `npm start` runs on a fresh machine; production must be given them.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  const generated: string[] = [];
  let vapidPair: { publicKey: string; privateKey: string };
  if (config.vapid.publicKey && config.vapid.privateKey) {
    vapidPair = { publicKey: config.vapid.publicKey, privateKey: config.vapid.privateKey };
  } else {
    const file = join(config.dataDir, VAPID_FILE);
    const stored = await readOrCreate(file, () => webpush.generateVAPIDKeys());
    if (stored.created) generated.push(file);
    vapidPair = stored.value;
  }
  checkVapidKeys(vapidPair);

  let { apiKey, authSecret } = config;
  if (!apiKey || !authSecret) {
    if (!config.development) {
      throw new ConfigError(`${!apiKey ? 'RINGKIT_API_KEY' : 'RINGKIT_AUTH_SECRET'} is required in production`);
    }
    const file = join(config.dataDir, DEV_SECRETS_FILE);
    const stored = await readOrCreate(file, () => ({
      apiKey: randomBytes(24).toString('base64url'),
      authSecret: randomBytes(32).toString('base64url'),
    }));
    if (stored.created) generated.push(file);
    apiKey ??= stored.value.apiKey;
    authSecret ??= stored.value.authSecret;
  }
  // An HS256 key this short is guessable offline from one token, in development too.
  assertStrongSecret('RINGKIT_AUTH_SECRET', authSecret);
  return { vapid: { ...vapidPair, subject: config.vapid.subject }, apiKey, authSecret, generated };
}

function checkVapidKeys(keys: { publicKey: string; privateKey: string }): void {
  const pub = Buffer.from(keys.publicKey, 'base64url');
  const priv = Buffer.from(keys.privateKey, 'base64url');
  if (pub.length !== 65 || pub[0] !== 0x04) throw new ConfigError('VAPID_PUBLIC_KEY must be an uncompressed P-256 public key, base64url (65 bytes)');
  if (priv.length !== 32) throw new ConfigError('VAPID_PRIVATE_KEY must be a P-256 private key, base64url (32 bytes)');
}

/** Reads a JSON secret file, or creates it (mode 0600, atomically) without racing another instance. */
async function readOrCreate<T>(file: string, make: () => T): Promise<{ value: T; created: boolean }> {
  await securePrivateDir(dirname(file));
  try {
    return { value: JSON.parse(await readFile(file, 'utf8')) as T, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const value = make();
  // Another instance created it first: use theirs.
  if (!(await writeSecretFile(file, JSON.stringify(value, null, 2) + '\n'))) return readOrCreate(file, make);
  return { value, created: true };
}
