import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import { Tokens } from './auth/tokens';
import { CallRecordPruner } from './call-record-pruner';
import { CallService } from './calls';
import type { Config, TrustProxy } from './config';
import { groupMembersLister } from './cometchat/group-members';
import { RingKeeper } from './cometchat/ring-keeper';
import { CallEvents } from './events/call-events';
import { EventDispatcher } from './events/dispatcher';
import { callRoutes } from './http/routes/calls';
import { devRoutes } from './http/routes/dev';
import { cometchatWebhookRoutes } from './http/routes/cometchat-webhook';
import { healthRoutes } from './http/routes/health';
import { metricsRoutes } from './http/routes/metrics';
import { pushRoutes } from './http/routes/push';
import { testRingRoutes } from './http/routes/test-ring';
import { webAppRoutes } from './http/routes/web-app';
import { ApiError, clientErrorHandler, frameworkErrors, installErrorHandlers } from './http/errors';
import { API_ROUTES, MAX_LENGTHS } from '../protocol/api';
import { withDeadline } from './push/deadline';
import { registerSecurity } from './http/security';
import { registerAuthThrottle } from './http/auth-throttle';
import { Deliverer } from './push/deliver';
import { createPushEncryptor, defaultEncryptionThreads } from './push/encryption';
import type { EgressProxy } from './push/egress-proxy';
import { createPushTransport, type PushTransport } from './push/transport';
import { VapidHeaderCache } from './push/vapid-header';
import { OneLinePerRequest } from './logger';
import { Metrics } from './metrics/metrics';
import { countStoreErrors } from './metrics/store-errors';
import type { Secrets } from './secrets';
import type { DeviceStore } from './store/types';

/** Subscriptions are ~0.5 kB; nothing the API takes comes near this. */
const BODY_LIMIT = 8 * 1024;

export interface AppOptions {
  config: Config;
  secrets: Secrets;
  store: DeviceStore;
  logger: FastifyBaseLogger;
  /** one log line per request (default); off for a developer's terminal */
  logRequests?: boolean;
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
  /** failed authentications per client address per minute, on any route, before that address is refused (429) */
  authFailuresPerMinute?: number;
  /** serve HTTPS directly (TLS_CERT_FILE, TLS_KEY_FILE) */
  https?: { cert: Buffer; key: Buffer };
  /** how long a client may take to send a request's headers, and the whole request (slowloris) */
  requestTimeoutMs?: number;
  /** connections held open at once; more are closed on arrival */
  maxConnections?: number;
  /** the server Fastify answers on: createSender's, which hands Fastify's handler to the host's own server */
  serverFactory?: FastifyServerFactory;
}

/** Nothing the API takes needs long to send: a client trickling bytes holds a connection no longer. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Far above what browsers and a backend hold open, far below what exhausts file descriptors. */
const MAX_CONNECTIONS = 4096;

export interface App {
  http: FastifyInstance;
  calls: CallService;
  events: CallEvents;
  deliverer: Deliverer;
  /** RingKit's metrics; `registerOutbox` wires the call events' outbox gauges */
  metrics: Metrics;
  /** GET /metrics alone, to listen on RINGKIT_METRICS_PORT (never the public port); undefined unless configured */
  metricsHttp: FastifyInstance | undefined;
  /** From now on /readyz answers 503 (draining), while everything else is still served: the load balancer's cue. */
  startDraining(): void;
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

/**
 * The sender's own origin, from the address it listens on (RINGKIT_APP_URL's
 * default): the app is served from there unless configured otherwise. A
 * wildcard address names this machine as localhost.
 */
function ownOrigin(http: FastifyInstance, tls: boolean): string {
  const address = http.server.address();
  if (!address || typeof address === 'string') return `${tls ? 'https' : 'http'}://localhost`;
  const host = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`;
}

/** Builds the sender without listening, so tests drive it with inject() or a real socket alike. */
export async function buildApp(o: AppOptions): Promise<App> {
  const requestTimeout = o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks the timeouts on this beat (30 s by default, which would triple a 10 s timeout).
  const serverOptions = { connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestTimeout / 4))) };
  const http = Fastify({
    ...(o.serverFactory ? { serverFactory: o.serverFactory } : o.https ? { https: { ...o.https, ...serverOptions } } : { http: serverOptions }),
    requestTimeout,
    loggerInstance: o.logger,
    logController: new OneLinePerRequest({ disableRequestLogging: o.logRequests === false }),
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

  await registerSecurity(http, { corsOrigins: o.config.corsOrigins, connectSrc: o.config.connectSrc });
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

  const metrics = new Metrics({ processMetrics: o.config.metrics !== undefined });
  const store = countStoreErrors(o.store, metrics);
  const pruner = new CallRecordPruner({ store, logger: o.logger });
  let draining = false;
  const tokens = new Tokens(o.secrets.authSecret);
  const transport = o.transport ?? createPushTransport({ proxy: o.egressProxy });
  const encryptor = createPushEncryptor(o.encryptionThreads ?? defaultEncryptionThreads());
  metrics.registerEncryptionQueue(() => encryptor.queued());
  const deliverer = new Deliverer({
    store,
    metrics,
    vapid: new VapidHeaderCache(o.secrets.vapid),
    transport,
    encryptor,
    logger: o.logger,
    appOrigin: () => o.config.appUrl ?? ownOrigin(http, o.https !== undefined),
    ...(o.attemptTimeoutMs ? { attemptTimeoutMs: o.attemptTimeoutMs } : {}),
  });
  const dispatcher = o.config.events && new EventDispatcher({ store, ...o.config.events, logger: o.logger });
  const events = new CallEvents({ store: dispatcher ? store : undefined, logger: o.logger, onEnqueued: () => dispatcher?.wake() });
  const calls = new CallService({
    store,
    pruner,
    deliverer,
    tokens,
    events,
    logger: o.logger,
    ttlSeconds: o.config.ttlSeconds,
    answerWithinMs: o.answerWithinMs ?? 3000,
  });
  calls.startExpiring();
  dispatcher?.start();
  if (dispatcher) {
    metrics.registerOutbox(async () => {
      const { pending, oldestCreatedAt } = await store.outboxStats();
      return { depth: pending, oldestAgeSeconds: oldestCreatedAt ? (Date.now() - oldestCreatedAt.getTime()) / 1000 : 0 };
    });
  }
  // Closing stops ending expired rings and polling the outbox; drain() still finishes the work begun.
  http.addHook('onClose', async () => {
    calls.close();
    dispatcher?.close();
  });

  await http.register(healthRoutes, { store, draining: () => draining });
  let metricsHttp: FastifyInstance | undefined;
  if (o.config.metrics?.port !== undefined) {
    // Its own listener: the public port (the load balancer's) never serves /metrics.
    // A scrape every few seconds is not worth a log line each.
    metricsHttp = Fastify({ loggerInstance: o.logger, disableRequestLogging: true }) as unknown as FastifyInstance;
    installErrorHandlers(metricsHttp);
    await metricsHttp.register(metricsRoutes, { metrics });
  }
  if (o.config.metrics && o.config.metrics.port === undefined) await http.register(metricsRoutes, { metrics });
  // A clear 404, not the app's page from the fallback below: a scraper pointed at the public port learns it.
  else http.get(API_ROUTES.metrics, (_request, reply) => reply.callNotFound());
  await http.register(pushRoutes, {
    store,
    tokens,
    vapidPublicKey: o.secrets.vapid.publicKey,
    pushHosts: o.config.pushHosts,
    writesPerMinute: o.subscriptionWritesPerMinute ?? 30,
    maxDevices: o.config.maxDevicesPerUser,
  });
  await http.register(testRingRoutes, { calls, store, tokens, perMinute: 6 });
  await http.register(callRoutes, { calls, store, tokens, apiKey: o.secrets.apiKey, declinesPerMinute: 60 });
  if (o.config.devLogin) await http.register(devRoutes, { calls, events, tokens, perMinute: 30 });
  let keeper: RingKeeper | undefined;
  if (o.config.cometchatWebhook) {
    const rest = o.config.cometchatRest;
    const ringKeeper = new RingKeeper({ store, calls, logger: o.logger, pruner, groupMembers: rest && groupMembersLister(rest) });
    await http.register(cometchatWebhookRoutes, { keeper: ringKeeper, calls, credentials: o.config.cometchatWebhook, metrics });
    keeper = ringKeeper;
  }
  if (o.config.webDir) await http.register(webAppRoutes, { dir: o.config.webDir });
  // Webhook events acted on in the background first: they start pushes of their own, and stops start events.
  const drain = async () => {
    await keeper?.drain();
    await calls.drain();
    await deliverer.drain();
    await dispatcher?.drain();
    await pruner.drain();
  };
  return {
    http,
    calls,
    events,
    deliverer,
    metrics,
    metricsHttp,
    startDraining() {
      draining = true;
    },
    drain,
    async close(drainMs = 0) {
      draining = true;
      const closed = http.close();
      // A keep-alive connection whose request was in flight only turns idle once
      // answered, after close() swept the idle ones: without this it would hold
      // the stop until the client's keep-alive ran out.
      const sweep = setInterval(() => http.server.closeIdleConnections(), 100);
      await closed.finally(() => clearInterval(sweep));
      await withDeadline(drain(), drainMs, () => undefined);
      deliverer.close();
      await metricsHttp?.close();
      await encryptor.close();
      if (!o.transport) transport.close();
    },
  };
}
