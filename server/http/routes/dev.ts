import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  API_ROUTES,
  devCallRequestSchema,
  devSessionRequestSchema,
  sessionParamsSchema,
  type DeliveryCounts,
  type DevCallRequest,
  type DevSessionRequest,
  type DevSessionResponse,
} from '../../../protocol/api';
import type { Tokens } from '../../auth/tokens';
import type { CallEvent } from '../../../protocol/events';
import type { CallService } from '../../calls';
import type { CallEvents } from '../../events/call-events';
import { isLoopback } from '../../config';
import { requireUser } from '../auth-hooks';
import { ApiError } from '../errors';

export interface DevRoutesOptions {
  calls: CallService;
  events: CallEvents;
  tokens: Tokens;
  /** sign-ins and calls per client per minute */
  perMinute: number;
}

const SESSION_HOURS = 12;
/** A dev call's events are kept this long for the caller's card (it may connect after the first ones). */
const BOARD_KEEP_MS = 5 * 60_000;

interface DevCall {
  callerUid: string;
  recipientUid: string;
  events: CallEvent[];
  watchers: Set<(event: CallEvent) => void>;
  startedAt: number;
}

/** A name is the uid: "Ada Lovelace" and "ada lovelace " are one user. */
export function devUid(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '-');
}

/**
 * The local demo's stand-ins for a host app: sign in by typing a name, and
 * call another name. Registered only when RINGKIT_DEV_LOGIN is on (the default
 * in development, off in production): anyone may claim any name here.
 */
export async function devRoutes(app: FastifyInstance, o: DevRoutesOptions): Promise<void> {
  const config = { rateLimit: { max: o.perMinute, timeWindow: 60_000 } };
  // The caller's side of the demo: the same call events a backend gets, kept per dev call in memory (one dev instance).
  const board = new Map<string, DevCall>();
  const unsubscribe = o.events.subscribe((event) => {
    const call = board.get(event.data.sessionId);
    if (!call) return;
    call.events.push(event);
    for (const watch of call.watchers) watch(event);
  });
  const streams = new Set<{ end(): void }>();
  app.addHook('onClose', async () => unsubscribe());
  // Before the server waits for its connections to close: an event stream never turns idle.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });
  const callerOf = (sessionId: string, uid: string | undefined): DevCall => {
    const call = board.get(sessionId);
    if (!call || call.callerUid !== uid) throw new ApiError(404, 'call_not_found', 'no call of yours with this id');
    return call;
  };
  // Before the user token is checked: a refused request learns nothing more.
  app.addHook('onRequest', async (request) => {
    const why = notDirectFromThisMachine(request);
    if (why) throw new ApiError(403, 'dev_route_refused', `the development sign-in and calls answer only requests made on this machine, directly: ${why}`);
  });

  app.post<{ Body: DevSessionRequest }>(
    API_ROUTES.devSession,
    { schema: { body: devSessionRequestSchema }, config },
    async (request): Promise<DevSessionResponse> => {
      const name = request.body.name.trim();
      const uid = devUid(name);
      const expiresAt = Date.now() + SESSION_HOURS * 3600_000;
      return { token: await o.tokens.signUser(uid, name, expiresAt), uid, name, expiresAt };
    },
  );

  // The same ring path as POST /api/calls, with the signed-in user as the caller.
  app.post<{ Body: DevCallRequest }>(
    API_ROUTES.devCalls,
    { schema: { body: devCallRequestSchema }, onRequest: requireUser(o.tokens), config },
    async (request): Promise<DeliveryCounts & { sessionId: string }> => {
      const sessionId = `dev.${request.uid}.${Date.now().toString(36)}.${crypto.randomUUID()}`;
      const recipientUid = devUid(request.body.recipientUid);
      const now = Date.now();
      for (const [id, old] of board) if (now - old.startedAt > BOARD_KEEP_MS) board.delete(id);
      board.set(sessionId, { callerUid: request.uid!, recipientUid, events: [], watchers: new Set(), startedAt: now });
      const counts = await o.calls.ring(
        {
          recipientUid,
          sessionId,
          callerName: request.userName ?? request.uid!,
          callerUid: request.uid!,
          callType: request.body.callType ?? 'audio',
        },
        { source: 'dev' },
      );
      return { ...counts!, sessionId };
    },
  );

  // The caller hangs up before an answer.
  app.post<{ Params: { sessionId: string } }>(
    API_ROUTES.devCallCancel,
    { schema: { params: sessionParamsSchema }, onRequest: requireUser(o.tokens), config },
    async (request): Promise<DeliveryCounts> => {
      const call = callerOf(request.params.sessionId, request.uid);
      return o.calls.cancel(request.params.sessionId, call.recipientUid, 'cancelled');
    },
  );

  // Server-sent events: what happened so far, then each event as it comes, until the caller's card closes.
  app.get<{ Params: { sessionId: string } }>(
    API_ROUTES.devCallEvents,
    { schema: { params: sessionParamsSchema }, onRequest: requireUser(o.tokens), config },
    async (request, reply) => {
      const call = callerOf(request.params.sessionId, request.uid);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      const send = (event: CallEvent) => out.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      call.events.forEach(send);
      call.watchers.add(send);
      streams.add(out);
      request.raw.on('close', () => {
        call.watchers.delete(send);
        streams.delete(out);
      });
    },
  );
}

/**
 * A sender on 127.0.0.1 behind nginx or a tunnel sees every visitor as a
 * loopback peer: the proxy's headers, or a Host naming another machine, give
 * it away. Returns why the request is not a direct local one, or undefined.
 */
function notDirectFromThisMachine(request: FastifyRequest): string | undefined {
  const forwarded = Object.keys(request.headers).find((h) => h === 'forwarded' || h.startsWith('x-forwarded-') || h === 'x-real-ip');
  if (forwarded) return `it came through a proxy (${forwarded})`;
  const host = hostName(request.headers.host ?? '');
  if (!isLoopback(host)) return `Host ${JSON.stringify(request.headers.host ?? '')} is not this machine`;
  if (!isLoopback(request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '')) return 'it came from another machine';
  return undefined;
}

/** The host of a Host header, without its port ("[::1]:8080" → "::1"). */
function hostName(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host) ?? /^([^:]*)(?::\d+)?$/.exec(host);
  return (m?.[1] ?? host).toLowerCase();
}
