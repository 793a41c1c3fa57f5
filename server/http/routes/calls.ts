import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  answerRequestSchema,
  API_ROUTES,
  cancelRequestSchema,
  declineRequestSchema,
  ringRequestSchema,
  sessionParamsSchema,
  shownRequestSchema,
  type AnswerRequest,
  type CallTraceResponse,
  type ShownRequest,
  type CancelRequest,
  type DeclineRequest,
  type DeliveryCounts,
  type RingRequest,
} from '../../../protocol/api';
import { bearerToken, type Tokens } from '../../auth/tokens';
import { RingOverError, type CallService } from '../../calls';
import { pushServiceOf } from '../../metrics/push-service';
import type { DeviceStore } from '../../store/types';
import { callTrace } from '../call-trace';
import { requireApiKey } from '../auth-hooks';
import { ApiError } from '../errors';

export interface CallRoutesOptions {
  calls: CallService;
  store: DeviceStore;
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
    // `once` is off: a backend ringing the same call again means it (undefined never comes back).
    async (request): Promise<DeliveryCounts> => (await o.calls.ring(request.body))!,
  );

  app.post<{ Body: CancelRequest; Params: SessionParams }>(
    API_ROUTES.cancel,
    { schema: { body: cancelRequestSchema, params: sessionParamsSchema }, onRequest, config },
    async (request): Promise<DeliveryCounts> =>
      o.calls.cancel(request.params.sessionId, request.body.recipientUid, request.body.reason ?? 'cancelled'),
  );

  // "Why didn't it ring?": what happened to each push of the call, on each device.
  app.get<{ Params: SessionParams }>(
    API_ROUTES.callTrace,
    { schema: { params: sessionParamsSchema }, onRequest, config },
    async (request): Promise<CallTraceResponse> => {
      const traces = await o.store.listPushTraces(request.params.sessionId);
      if (traces.length === 0) {
        throw new ApiError(404, 'call_not_found', 'no push of this call is on record (unknown, still being sent, or older than 24 h)');
      }
      return callTrace(request.params.sessionId, traces);
    },
  );

  // The worker calls these from a notification's buttons: no user session
  // there, only the token the ring carried, bound to call and callee.
  const fromNotification = {
    config: { rateLimit: { max: o.declinesPerMinute, timeWindow: 60_000 } },
  };
  /** The token's callee. It acts once: answering ends its ring, and a ring ends once (`once` below). */
  const callee = async (request: FastifyRequest<{ Params: SessionParams }>) => {
    const { uid, sessionId, ringUntil } = await o.tokens.verifyDecline(bearerToken(request.headers.authorization));
    if (sessionId !== request.params.sessionId) {
      throw new ApiError(403, 'token_wrong_session', 'this decline token is for another call');
    }
    return { uid, sessionId, ringUntil };
  };

  // A token acts once, while its ring lasts: a replay, or an answer after the call ended, changes nothing.
  const once = async (answer: () => Promise<DeliveryCounts>): Promise<DeliveryCounts> => {
    try {
      return await answer();
    } catch (err) {
      if (err instanceof RingOverError) throw new ApiError(409, 'ring_over', 'this call is no longer ringing: it was answered, declined, cancelled or timed out');
      throw err;
    }
  };
  // The bodies are optional; the schemas would refuse a missing one.
  const optionalBody = async (request: FastifyRequest) => {
    request.body ??= {};
  };

  app.post<{ Params: SessionParams; Body: DeclineRequest }>(
    API_ROUTES.decline,
    { ...fromNotification, schema: { params: sessionParamsSchema, body: declineRequestSchema }, preValidation: optionalBody },
    async (request): Promise<DeliveryCounts> => {
      const { uid, sessionId, ringUntil } = await callee(request);
      const reason = request.body.reason ?? 'declined';
      request.log.info({ uid, sessionId, reason }, 'call declined');
      return once(() => o.calls.answer(sessionId, uid, reason, { ringUntil }));
    },
  );

  // The worker showed the ring: "delivered to the push service" becomes "shown on the device".
  app.post<{ Params: SessionParams; Body: ShownRequest }>(
    API_ROUTES.shown,
    { ...fromNotification, schema: { params: sessionParamsSchema, body: shownRequestSchema } },
    async (request, reply) => {
      const { uid, sessionId } = await callee(request);
      const device = await o.store.findByEndpoint(request.body.endpoint);
      // Another user's device, or one the sender no longer holds: nothing of this call to mark.
      if (!device || device.uid !== uid) throw new ApiError(404, 'device_not_found', 'the sender holds no such device of this callee');
      await o.store.recordShown({ sessionId, deviceId: device.id, uid, pushService: pushServiceOf(device.endpoint), at: new Date() });
      return reply.code(204).send();
    },
  );

  // Accepted on one device: the callee's other devices stop ringing.
  app.post<{ Params: SessionParams; Body: AnswerRequest }>(
    API_ROUTES.answer,
    { ...fromNotification, schema: { params: sessionParamsSchema, body: answerRequestSchema }, preValidation: optionalBody },
    async (request): Promise<DeliveryCounts> => {
      const { uid, sessionId, ringUntil } = await callee(request);
      request.log.info({ uid, sessionId }, 'call answered');
      return once(() => o.calls.answer(sessionId, uid, 'answered', { exceptEndpoint: request.body.endpoint, ringUntil }));
    },
  );
}

