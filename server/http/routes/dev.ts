import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  API_ROUTES,
  devCallRequestSchema,
  devSessionRequestSchema,
  type DeliveryCounts,
  type DevCallRequest,
  type DevSessionRequest,
  type DevSessionResponse,
} from '../../../protocol/api';
import type { Tokens } from '../../auth/tokens';
import type { CallService } from '../../calls';
import { isLoopback } from '../../config';
import { requireUser } from '../auth-hooks';
import { ApiError } from '../errors';

export interface DevRoutesOptions {
  calls: CallService;
  tokens: Tokens;
  /** sign-ins and calls per client per minute */
  perMinute: number;
}

const SESSION_HOURS = 12;

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
      const counts = await o.calls.ring({
        recipientUid: devUid(request.body.recipientUid),
        sessionId,
        callerName: request.userName ?? request.uid!,
        callerUid: request.uid!,
        callType: request.body.callType ?? 'audio',
      });
      return { ...counts, sessionId };
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
