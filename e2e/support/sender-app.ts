/**
 * The real sender process (`npm run sender`, SQLite in a fresh data dir)
 * serving the built PWA, posting to a loopback push service it trusts through
 * NODE_EXTRA_CA_CERTS: what a customer runs, end to end.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { API_ROUTES, apiPath, type DeliveryCounts, type RingRequest } from '../../protocol/api';
import { openStore } from '../../server/store/open-store';
import type { Device, DeviceStore } from '../../server/store/types';
import { NO_EGRESS_PROXY } from '../../test/support/sender';
import { startSenderProcess } from '../../test/support/sender-process';

const DIST = new URL('../../dist', import.meta.url).pathname;

export interface SenderApp {
  /** the sender's and the app's origin, e.g. http://127.0.0.1:PORT (loopback: a secure context) */
  origin: string;
  apiKey: string;
  /** the sender's VAPID key pair (base64url), for a push sent the seed's way */
  vapid: { publicKey: string; privateKey: string; subject: string };
  /** POST /api/calls with the API key, as the customer's backend does. */
  ring(call: RingRequest): Promise<DeliveryCounts>;
  /** POST /api/calls/:sessionId/cancel: the caller hung up. */
  cancel(sessionId: string, recipientUid: string): Promise<DeliveryCounts>;
  /** The devices the sender holds for uid, read from its own SQLite file. */
  devicesOf(uid: string): Promise<Device[]>;
  /** JSON from the sender, failing on a non-2xx answer */
  api<T>(path: string, init?: RequestInit): Promise<T>;
  output(): string;
  stop(): Promise<void>;
}

/** `env` adds to the sender's environment (e.g. the CometChat webhook's credentials). */
export async function startSenderApp(push: { certFile: string; host: string }, env: NodeJS.ProcessEnv = {}): Promise<SenderApp> {
  if (!existsSync(`${DIST}/index.html`)) throw new Error('no built app: run `npm run build` first');
  const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-e2e-sender-'));
  const apiKey = randomBytes(18).toString('base64url');
  const authSecret = randomBytes(32).toString('base64url');
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@ringkit.example' };
  let running;
  try {
    running = await startSenderProcess({
      RINGKIT_DATA_DIR: dataDir,
      RINGKIT_WEB_DIR: DIST,
      RINGKIT_API_KEY: apiKey,
      RINGKIT_AUTH_SECRET: authSecret,
      RINGKIT_PUSH_HOSTS: push.host,
      NODE_EXTRA_CA_CERTS: push.certFile,
      VAPID_SUBJECT: vapid.subject,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      NODE_ENV: 'development',
      ...NO_EGRESS_PROXY, // direct to the loopback push service, unless `env` names a proxy
      ...env,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { url: origin } = running;
  let store: Promise<DeviceStore> | undefined;

  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(origin + path, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const post = <T>(path: string, body: object) =>
    api<T>(path, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  return {
    origin,
    apiKey,
    vapid,
    ring: (call) => post(API_ROUTES.calls, call),
    cancel: (sessionId, recipientUid) => post(apiPath(API_ROUTES.cancel, { sessionId }), { recipientUid, reason: 'cancelled' }),
    async devicesOf(uid) {
      store ??= openStore({ dataDir });
      return (await store).listByUser(uid);
    },
    api,
    output: running.output,
    async stop() {
      if (store) await (await store).close();
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
