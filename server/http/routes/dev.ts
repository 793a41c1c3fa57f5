import type { FastifyInstance } from 'fastify';
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
import { requireUser } from '../auth-hooks';

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
