/**
 * ringkit/sender: RingKit's sender mounted in a host's own Node server.
 *
 *     import { createServer } from 'node:http';
 *     import { createSender } from 'ringkit/sender';
 *     const sender = await createSender();               // configured by process.env
 *     createServer(sender.handler(hostApp)).listen(8080); // RingKit's routes, the rest to hostApp
 *
 * or, in a Fastify app, `await app.register(sender.fastifyPlugin)`. Every
 * route keeps its own limits, errors and security headers: requests RingKit
 * answers are handed whole to its own Fastify instance. The `ringkit-sender`
 * bin (main.ts) is the standalone sender.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Logger } from 'pino';
import { API_ROUTES, apiPath, type ApiErrorBody, type CancelRequest, type DeliveryCounts, type RingRequest } from '../protocol/api';
import { buildApp } from './app';
import { Tokens } from './auth/tokens';
import { prepareSender } from './prepare';

export { ConfigError } from './config';
export type { RingRequest, CancelRequest, DeliveryCounts };
/** What RINGKIT_EVENTS_URL receives (signed with Standard Webhooks). */
export type { CallEvent, CallEventData, CallEventType } from '../protocol/events';

/** The API's refusal of a ring or cancel made in-process: the status and error code POST /api/calls would answer. */
export class SenderError extends Error {
  override name = 'SenderError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How long a user token from userToken() lives (the sender refuses ones that live longer than 24 h). */
const USER_TOKEN_LIFETIME_MS = 3600_000;

export interface SenderOptions {
  /** The configuration, as environment variables (design.md's names: VAPID_*, RINGKIT_*, DATABASE_URL, …); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The host's pino logger (Fastify's too); default: RingKit's own, at LOG_LEVEL. */
  logger?: Logger;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Sender {
  /** Whether RingKit answers this request path: /api/…, /healthz, /readyz, /metrics. */
  handles(url: string): boolean;
  /**
   * A node:http request listener: RingKit's requests to RingKit, the rest to
   * `next` (Express and Connect apps are listeners too); without `next`, RingKit's 404.
   */
  handler(next?: Handler): Handler;
  /** Rings every device of `call.recipientUid`, as POST /api/calls does (the same validation, outcomes and events). */
  ring(call: RingRequest): Promise<DeliveryCounts>;
  /** The caller hung up (or the call was answered elsewhere): as POST /api/calls/:sessionId/cancel. */
  cancel(sessionId: string, cancel: CancelRequest): Promise<DeliveryCounts>;
  /** A user token for the page's setUserToken, after the host's own sign-in (valid for an hour). */
  userToken(uid: string, name?: string): Promise<string>;
  /** Mounts RingKit's routes in a host's Fastify app (before its own body parsing, so RingKit reads its requests itself). */
  fastifyPlugin: FastifyPluginAsync;
  /** Stops: rings in flight finish for up to `drainMs`, then the store and the push connections close. */
  close(drainMs?: number): Promise<void>;
}

const PREFIXES = ['/api/'];
const PATHS = new Set<string>([API_ROUTES.health, API_ROUTES.ready, API_ROUTES.metrics]);

export async function createSender(options: SenderOptions = {}): Promise<Sender> {
  const { config, logger, logRequests, secrets, store, egressProxy } = await prepareSender(options.env ?? process.env, options.logger);
  let route: Handler | undefined;
  const app = await buildApp({
    // The host serves its own pages; RingKit's PWA is the bin's.
    config: { ...config, webDir: undefined },
    secrets,
    store,
    logger,
    logRequests,
    egressProxy,
    // Fastify answers on a server that never listens: the host's server hands it requests.
    serverFactory: (handler) => {
      route = handler;
      return createServer(handler);
    },
  });
  await app.http.ready();
  const tokens = new Tokens(secrets.authSecret);
  // In-process calls go through the routes themselves, so they are validated and answered exactly as over HTTP.
  const post = async <T>(url: string, payload: object): Promise<T> => {
    const res = await app.http.inject({ method: 'POST', url, headers: { authorization: `Bearer ${secrets.apiKey}` }, payload });
    if (res.statusCode >= 300) {
      const { error } = res.json<ApiErrorBody>();
      throw new SenderError(res.statusCode, error.code, error.message);
    }
    return res.json<T>();
  };
  const dispatch: Handler = (req, res) => route!(req, res);
  const handles = (url: string) => {
    const path = url.split('?')[0]!;
    return PATHS.has(path) || PREFIXES.some((p) => path.startsWith(p));
  };

  return {
    handles,
    ring: (call) => post<DeliveryCounts>(API_ROUTES.calls, call),
    cancel: (sessionId, cancel) => post<DeliveryCounts>(apiPath(API_ROUTES.cancel, { sessionId }), cancel),
    userToken: (uid, name) => tokens.signUser(uid, name ?? uid, Date.now() + USER_TOKEN_LIFETIME_MS),
    handler: (next) => (req, res) => (next && !handles(req.url ?? '/') ? next(req, res) : dispatch(req, res)),
    fastifyPlugin: fastifyPlugin(
      async (host) => {
        host.addHook('onRequest', async (request, reply) => {
          if (!handles(request.url)) return;
          reply.hijack();
          dispatch(request.raw, reply.raw);
          return reply;
        });
      },
      { name: 'ringkit-sender', fastify: '5.x' },
    ),
    async close(drainMs = 10_000) {
      await app.close(drainMs);
      await store.close();
    },
  };
}
