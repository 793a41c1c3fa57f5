/**
 * The sender in this process, posting to a real loopback push service over
 * HTTPS: what the tests drive through inject() as a browser or a backend would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import webpush from 'web-push';
import { buildApp, type App, type AppOptions } from '../../server/app';
import { loadConfig } from '../../server/config';
import type { EgressProxy } from '../../server/push/egress-proxy';
import { createPushTransport, type PushTransport } from '../../server/push/transport';
import { loadSecrets, type Secrets } from '../../server/secrets';
import type { DeviceStore } from '../../server/store/types';
import { startPushService, type PushService, type TestDevice } from './push-service';
import { sqliteFactory } from './stores';
import { mintUserToken } from './user-token';

export interface TestSender {
  app: App;
  store: DeviceStore;
  push: PushService;
  secrets: Secrets;
  userToken(uid: string, options?: { expiresIn?: string; secret?: string }): Promise<string>;
  /** Subscribes a new device of the push service for uid through the API. */
  addDevice(uid: string): Promise<TestDevice>;
  inject: App['http']['inject'];
  close(): Promise<void>;
}

/** A sender's environment for the loopback push service: fresh VAPID keys and secrets, its host allowed. */
export function loopbackSenderEnv(dataDir: string): NodeJS.ProcessEnv {
  const vapidKeys = webpush.generateVAPIDKeys();
  return {
    RINGKIT_DATA_DIR: dataDir,
    RINGKIT_PUSH_HOSTS: '127.0.0.1',
    VAPID_SUBJECT: 'mailto:ops@ringkit.example',
    VAPID_PUBLIC_KEY: vapidKeys.publicKey,
    VAPID_PRIVATE_KEY: vapidKeys.privateKey,
    RINGKIT_API_KEY: randomBytes(32).toString('base64url'),
    RINGKIT_AUTH_SECRET: randomBytes(32).toString('base64url'),
    // The loopback push service is reached directly, whatever egress proxy this machine sets.
    ...NO_EGRESS_PROXY,
  };
}

/** Clears the egress proxy variables a sender process would inherit (empty counts as unset, as for curl). */
export const NO_EGRESS_PROXY: NodeJS.ProcessEnv = { https_proxy: '', HTTPS_PROXY: '', all_proxy: '', ALL_PROXY: '' };

export async function startTestSender(
  options: {
    store?: DeviceStore;
    env?: NodeJS.ProcessEnv;
    push?: PushService;
    /** a ring length below RINGKIT_TTL's minimum, so ring deadlines pass within a test */
    ttlSeconds?: number;
    /** wraps the transport to the loopback push service (e.g. to route another push service's host to it) */
    wrapTransport?: (transport: PushTransport) => PushTransport;
    /** an egress proxy the sender's connections go through */
    egressProxy?: EgressProxy;
  } & Partial<Pick<AppOptions, 'answerWithinMs' | 'attemptTimeoutMs' | 'subscriptionWritesPerMinute' | 'requestsPerMinute' | 'authFailuresPerMinute' | 'requestTimeoutMs' | 'maxConnections'>> = {},
): Promise<TestSender> {
  const push = options.push ?? (await startPushService());
  const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-sender-'));
  const loaded = loadConfig({ ...loopbackSenderEnv(dataDir), ...options.env });
  const config = options.ttlSeconds ? { ...loaded, ttlSeconds: options.ttlSeconds } : loaded;
  const secrets = await loadSecrets(config);
  push.expectVapidKey(secrets.vapid.publicKey);
  const store = options.store ?? (await sqliteFactory.open());
  const transport = createPushTransport({ ca: push.cert, proxy: options.egressProxy });
  const app = await buildApp({
    config,
    secrets,
    store,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    transport: options.wrapTransport?.(transport) ?? transport,
    answerWithinMs: options.answerWithinMs ?? 3000,
    ...(options.attemptTimeoutMs ? { attemptTimeoutMs: options.attemptTimeoutMs } : {}),
    ...(options.subscriptionWritesPerMinute ? { subscriptionWritesPerMinute: options.subscriptionWritesPerMinute } : {}),
    ...(options.requestsPerMinute ? { requestsPerMinute: options.requestsPerMinute } : {}),
    ...(options.authFailuresPerMinute ? { authFailuresPerMinute: options.authFailuresPerMinute } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
  });
  const userToken: TestSender['userToken'] = (uid, o = {}) => mintUserToken(o.secret ?? secrets.authSecret, uid, o.expiresIn);

  return {
    app,
    store,
    push,
    secrets,
    userToken,
    inject: app.http.inject.bind(app.http),
    async addDevice(uid) {
      const device = push.subscribe();
      const res = await app.http.inject({
        method: 'POST',
        url: '/api/push/subscriptions',
        headers: { authorization: `Bearer ${await userToken(uid)}` },
        payload: { subscription: device.subscription },
      });
      if (res.statusCode !== 201) throw new Error(`subscribing failed: ${res.statusCode} ${res.body}`);
      return device;
    },
    async close() {
      await app.close();
      transport.close();
      if (!options.push) await push.close();
      if (!options.store) await store.close();
    },
  };
}
