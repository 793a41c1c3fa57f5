import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Tokens } from './auth/tokens';
import { CallService } from './calls';
import type { Config } from './config';
import { RingKeeper } from './cometchat/ring-keeper';
import { callRoutes } from './http/routes/calls';
import { devRoutes } from './http/routes/dev';
import { cometchatWebhookRoutes } from './http/routes/cometchat-webhook';
import { healthRoutes } from './http/routes/health';
import { pushRoutes } from './http/routes/push';
import { testRingRoutes } from './http/routes/test-ring';
import { webAppRoutes } from './http/routes/web-app';
import { ApiError, installErrorHandlers } from './http/errors';
import { withDeadline } from './push/deadline';
import { registerSecurity } from './http/security';
import { Deliverer } from './push/deliver';
import { createPushEncryptor, defaultEncryptionThreads } from './push/encryption';
import type { EgressProxy } from './push/egress-proxy';
import { createPushTransport, type PushTransport } from './push/transport';
import { VapidHeaderCache } from './push/vapid-header';
import type { Secrets } from './secrets';
import type { DeviceStore } from './store/types';

/** Subscriptions are ~0.5 kB; nothing the API takes comes near this. */
const BODY_LIMIT = 8 * 1024;

export interface AppOptions {
  config: Config;
  secrets: Secrets;
  store: DeviceStore;
  logger: FastifyBaseLogger;
  /** the connections to push services; tests pass one that trusts their loopback push service (closed by the caller) */
  transport?: PushTransport;
  /** the egress proxy (HTTPS_PROXY, NO_PROXY) the default transport connects through */
  egressProxy?: EgressProxy | undefined;
  /** worker threads encrypting pushes; default: one per core up to 4, none on one core */
  encryptionThreads?: number;
  /** how long a ring waits for final outcomes before answering with the rest pending */
  answerWithinMs?: number;
  attemptTimeoutMs?: number;
  subscriptionWritesPerMinute?: number;
  /** requests per client address per minute to routes without a limit of their own (the app's files, the public key, /healthz) */
  requestsPerMinute?: number;
  /** serve HTTPS directly (TLS_CERT_FILE, TLS_KEY_FILE) */
  https?: { cert: Buffer; key: Buffer };
}

export interface App {
  http: FastifyInstance;
  calls: CallService;
  deliverer: Deliverer;
  /** Resolves when the work started so far is done: webhook events acted on in the background, then pushes still retrying. */
  drain(): Promise<void>;
  /**
   * Stops taking requests, lets rings in flight finish for up to `drainMs`,
   * then closes the encryption workers and the connections it opened.
   */
  close(drainMs?: number): Promise<void>;
}

/** Builds the sender without listening, so tests drive it with inject() or a real socket alike. */
export async function buildApp(o: AppOptions): Promise<App> {
  const http = Fastify({
    ...(o.https ? { https: o.https } : {}),
    loggerInstance: o.logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: o.config.trustProxy,
    // Wrong types are the caller's bug, not something to paper over.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
  }) as unknown as FastifyInstance; // the https variant differs only in its server type
  installErrorHandlers(http);

  // JSON only: anything else is a 415, not a string to fail validation on.
  http.removeAllContentTypeParsers();
  // An empty body on a bodiless POST (decline) is not malformed JSON.
  http.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ApiError(400, 'invalid_json', 'the body is not valid JSON'), undefined);
    }
  });

  await registerSecurity(http, { corsOrigins: o.config.corsOrigins });
  // Every route a browser can reach is limited: these defaults, or the route's
  // own limit. Only the server-to-server routes (API key, webhook) opt out.
  await http.register(rateLimit, {
    global: true,
    max: o.requestsPerMinute ?? 600,
    timeWindow: 60_000,
    hook: 'preHandler', // after authentication, so writes are counted per user
    keyGenerator: (request) => (request.uid ? `uid:${request.uid}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate_limited', `too many requests: try again in ${Math.ceil(context.ttl / 1000)} s`),
  });

  const tokens = new Tokens(o.secrets.authSecret);
  const transport = o.transport ?? createPushTransport({ proxy: o.egressProxy });
  const encryptor = createPushEncryptor(o.encryptionThreads ?? defaultEncryptionThreads());
  const deliverer = new Deliverer({
    store: o.store,
    vapid: new VapidHeaderCache(o.secrets.vapid),
    transport,
    encryptor,
    logger: o.logger,
    ...(o.attemptTimeoutMs ? { attemptTimeoutMs: o.attemptTimeoutMs } : {}),
  });
  const calls = new CallService({
    store: o.store,
    deliverer,
    tokens,
    ttlSeconds: o.config.ttlSeconds,
    answerWithinMs: o.answerWithinMs ?? 3000,
  });

  await http.register(healthRoutes, { store: o.store });
  await http.register(pushRoutes, {
    store: o.store,
    tokens,
    vapidPublicKey: o.secrets.vapid.publicKey,
    pushHosts: o.config.pushHosts,
    writesPerMinute: o.subscriptionWritesPerMinute ?? 30,
  });
  await http.register(testRingRoutes, { calls, store: o.store, tokens, perMinute: 6 });
  await http.register(callRoutes, { calls, tokens, apiKey: o.secrets.apiKey, declinesPerMinute: 60 });
  if (o.config.devLogin) await http.register(devRoutes, { calls, tokens, perMinute: 30 });
  let keeper: RingKeeper | undefined;
  if (o.config.cometchatWebhook) {
    const ringKeeper = new RingKeeper({ store: o.store, calls, logger: o.logger });
    // Closing stops taking events and drops ring deadlines; drain() still finishes the work begun.
    http.addHook('onClose', async () => ringKeeper.close());
    await http.register(cometchatWebhookRoutes, { keeper: ringKeeper, credentials: o.config.cometchatWebhook });
    keeper = ringKeeper;
  }
  await http.register(webAppRoutes, { dir: o.config.webDir });
  // Webhook events acted on in the background first: they start pushes of their own.
  const drain = async () => {
    await keeper?.drain();
    await deliverer.drain();
  };
  return {
    http,
    calls,
    deliverer,
    drain,
    async close(drainMs = 0) {
      const closed = http.close();
      // A keep-alive connection whose request was in flight only turns idle once
      // answered, after close() swept the idle ones: without this it would hold
      // the stop until the client's keep-alive ran out.
      const sweep = setInterval(() => http.server.closeIdleConnections(), 100);
      await closed.finally(() => clearInterval(sweep));
      await withDeadline(drain(), drainMs, () => undefined);
      await encryptor.close();
      if (!o.transport) transport.close();
    },
  };
}
