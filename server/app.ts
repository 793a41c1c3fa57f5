import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Tokens } from './auth/tokens';
import { CallService } from './calls';
import type { Config, TrustProxy } from './config';
import { RingKeeper } from './cometchat/ring-keeper';
import { callRoutes } from './http/routes/calls';
import { devRoutes } from './http/routes/dev';
import { cometchatWebhookRoutes } from './http/routes/cometchat-webhook';
import { healthRoutes } from './http/routes/health';
import { pushRoutes } from './http/routes/push';
import { testRingRoutes } from './http/routes/test-ring';
import { webAppRoutes } from './http/routes/web-app';
import { ApiError, clientErrorHandler, frameworkErrors, installErrorHandlers } from './http/errors';
import { MAX_LENGTHS } from '../protocol/api';
import { withDeadline } from './push/deadline';
import { registerSecurity } from './http/security';
import { registerAuthThrottle } from './http/auth-throttle';
import { Deliverer } from './push/deliver';
import { createPushEncryptor, defaultEncryptionThreads } from './push/encryption';
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
  /** worker threads encrypting pushes; default: one per core up to 4, none on one core */
  encryptionThreads?: number;
  /** how long a ring waits for final outcomes before answering with the rest pending */
  answerWithinMs?: number;
  attemptTimeoutMs?: number;
  subscriptionWritesPerMinute?: number;
  /** requests per client address per minute to routes without a limit of their own (the app's files, the public key, /healthz) */
  requestsPerMinute?: number;
  /** failed authentications per client address per minute, on any route, before that address is refused (429) */
  authFailuresPerMinute?: number;
  /** serve HTTPS directly (TLS_CERT_FILE, TLS_KEY_FILE) */
  https?: { cert: Buffer; key: Buffer };
  /** how long a client may take to send a request's headers, and the whole request (slowloris) */
  requestTimeoutMs?: number;
  /** connections held open at once; more are closed on arrival */
  maxConnections?: number;
}

/** Nothing the API takes needs long to send: a client trickling bytes holds a connection no longer. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Far above what browsers and a backend hold open, far below what exhausts file descriptors. */
const MAX_CONNECTIONS = 4096;

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

/** Fastify's form of RINGKIT_TRUST_PROXY: n hops is "the socket and the n - 1 addresses before it". */
function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** Builds the sender without listening, so tests drive it with inject() or a real socket alike. */
export async function buildApp(o: AppOptions): Promise<App> {
  const requestTimeout = o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks the timeouts on this beat (30 s by default, which would triple a 10 s timeout).
  const serverOptions = { connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestTimeout / 4))) };
  const http = Fastify({
    ...(o.https ? { https: { ...o.https, ...serverOptions } } : { http: serverOptions }),
    requestTimeout,
    loggerInstance: o.logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOption(o.config.trustProxy),
    // Decoded, in UTF-16 units: a session id of MAX_LENGTHS.sessionId characters, astral ones included, fits.
    routerOptions: { maxParamLength: 2 * MAX_LENGTHS.sessionId },
    frameworkErrors,
    clientErrorHandler,
    // Wrong types are the caller's bug, not something to paper over.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
  }) as unknown as FastifyInstance; // the https variant differs only in its server type
  installErrorHandlers(http);
  http.server.headersTimeout = requestTimeout;
  http.server.maxConnections = o.maxConnections ?? MAX_CONNECTIONS;

  // JSON only: anything else is a 415, not a string to fail validation on.
  http.removeAllContentTypeParsers();
  // Fastify's own parser refuses __proto__ and constructor.prototype keys (prototype poisoning);
  // an empty body on a bodiless POST (decline) is not malformed JSON.
  const parseJson = http.getDefaultJsonParser('error', 'error');
  http.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, (err, value) => {
      if (err) return done(new ApiError(400, 'invalid_json', /prototype|constructor/i.test(err.message) ? 'the body must not set __proto__ or constructor.prototype' : 'the body is not valid JSON'), undefined);
      done(null, value);
    });
  });

  await registerSecurity(http, { corsOrigins: o.config.corsOrigins });
  registerAuthThrottle(http, { maxFailures: o.authFailuresPerMinute ?? 20, windowMs: 60_000 });
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
  const transport = o.transport ?? createPushTransport();
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
    maxDevices: o.config.maxDevicesPerUser,
  });
  await http.register(testRingRoutes, { calls, store: o.store, tokens, perMinute: 6 });
  await http.register(callRoutes, { calls, tokens, apiKey: o.secrets.apiKey, declinesPerMinute: 60 });
  if (o.config.devLogin) await http.register(devRoutes, { calls, tokens, perMinute: 30 });
  let keeper: RingKeeper | undefined;
  if (o.config.cometchatWebhook) {
    const ringKeeper = new RingKeeper({ store: o.store, calls, logger: o.logger });
    // Closing stops taking events and drops ring deadlines; drain() still finishes the work begun.
    http.addHook('onClose', async () => ringKeeper.close());
    await http.register(cometchatWebhookRoutes, { keeper: ringKeeper, calls, credentials: o.config.cometchatWebhook });
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
