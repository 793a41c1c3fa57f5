import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  answerRequestSchema,
  API_ROUTES,
  cancelRequestSchema,
  ringRequestSchema,
  sessionParamsSchema,
  type AnswerRequest,
  type CancelRequest,
  type DeliveryCounts,
  type RingRequest,
} from '../../../protocol/api';
import { bearerToken, type Tokens } from '../../auth/tokens';
import type { CallService } from '../../calls';
import { requireApiKey } from '../auth-hooks';
import { ApiError } from '../errors';

export interface CallRoutesOptions {
  calls: CallService;
  tokens: Tokens;
  apiKey: string;
  /** declines per client address per minute */
  declinesPerMinute: number;
}

type SessionParams = { sessionId: string };

export async function callRoutes(app: FastifyInstance, o: CallRoutesOptions): Promise<void> {
  const onRequest = requireApiKey(o.apiKey);
  // Server-to-server: the customer's backend rings at its own pace from a few
  // addresses; a per-address limit would drop rings. The API key guards it.
  const config = { rateLimit: false } as const;

  app.post<{ Body: RingRequest }>(
    API_ROUTES.calls,
    { schema: { body: ringRequestSchema }, onRequest, config },
    async (request): Promise<DeliveryCounts> => o.calls.ring(request.body),
  );

  app.post<{ Body: CancelRequest; Params: SessionParams }>(
    API_ROUTES.cancel,
    { schema: { body: cancelRequestSchema, params: sessionParamsSchema }, onRequest, config },
    async (request): Promise<DeliveryCounts> =>
      o.calls.end(request.params.sessionId, request.body.recipientUid, request.body.reason ?? 'cancelled'),
  );

  // The worker calls these from a notification's buttons: no user session
  // there, only the token the ring carried, bound to call and callee.
  const fromNotification = {
    config: { rateLimit: { max: o.declinesPerMinute, timeWindow: 60_000 } },
  };
  const callee = async (request: FastifyRequest<{ Params: SessionParams }>) => {
    const { uid, sessionId, jti } = await o.tokens.verifyDecline(bearerToken(request.headers.authorization));
    if (sessionId !== request.params.sessionId) {
      throw new ApiError(403, 'token_wrong_session', 'this decline token is for another call');
    }
    if (!(await o.calls.useToken(jti))) {
      throw new ApiError(409, 'ring_over', 'this call was already answered or declined, or its ring is over');
    }
    return { uid, sessionId };
  };

  app.post<{ Params: SessionParams }>(
    API_ROUTES.decline,
    { ...fromNotification, schema: { params: sessionParamsSchema } },
    async (request): Promise<DeliveryCounts> => {
      const { uid, sessionId } = await callee(request);
      request.log.info({ uid, sessionId }, 'call declined from a notification');
      return o.calls.end(sessionId, uid, 'declined');
    },
  );

  // Accepted on one device: the callee's other devices stop ringing.
  app.post<{ Params: SessionParams; Body: AnswerRequest }>(
    API_ROUTES.answer,
    {
      ...fromNotification,
      schema: { params: sessionParamsSchema, body: answerRequestSchema },
      // The body is optional; the schema would refuse a missing one.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request): Promise<DeliveryCounts> => {
      const { uid, sessionId } = await callee(request);
      request.log.info({ uid, sessionId }, 'call answered from a notification');
      return o.calls.end(sessionId, uid, 'answered', request.body.endpoint);
    },
  );
}
