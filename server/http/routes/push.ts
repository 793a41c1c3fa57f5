import type { FastifyInstance } from 'fastify';
import {
  API_ROUTES,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  type DevicesResponse,
  type PublicKeyResponse,
  type SubscribeRequest,
  type SubscribeResponse,
  type UnsubscribeRequest,
} from '../../../protocol/api';
import type { Tokens } from '../../auth/tokens';
import { checkSubscription } from '../../push/subscription-check';
import { EndpointTakenError, type DeviceStore } from '../../store/types';
import { requireUser } from '../auth-hooks';
import { ApiError } from '../errors';

export interface PushRoutesOptions {
  store: DeviceStore;
  tokens: Tokens;
  vapidPublicKey: string;
  pushHosts: readonly string[];
  /** subscription writes per user per minute */
  writesPerMinute: number;
  /** devices kept per user (RINGKIT_MAX_DEVICES_PER_USER) */
  maxDevices: number;
}

const USER_AGENT_MAX = 512;

export async function pushRoutes(app: FastifyInstance, o: PushRoutesOptions): Promise<void> {
  const onRequest = requireUser(o.tokens);
  const config = { rateLimit: { max: o.writesPerMinute, timeWindow: 60_000 } };

  app.get(API_ROUTES.publicKey, async (): Promise<PublicKeyResponse> => ({ publicKey: o.vapidPublicKey }));

  app.get(
    API_ROUTES.subscriptions,
    { onRequest, config: { rateLimit: { max: o.writesPerMinute * 4, timeWindow: 60_000 } } },
    async (request): Promise<DevicesResponse> => {
      // Bounded: registrations keep at most maxDevices per user (older data may hold more).
      const devices = (await o.store.listByUser(request.uid!)).slice(0, o.maxDevices);
      return {
        devices: devices.map((d) => ({
          endpoint: d.endpoint,
          userAgent: d.userAgent,
          createdAt: d.createdAt.toISOString(),
          lastOutcome: d.lastOutcome,
          lastOutcomeAt: d.lastOutcomeAt?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post<{ Body: SubscribeRequest }>(
    API_ROUTES.subscriptions,
    { schema: { body: subscribeRequestSchema }, onRequest, config },
    async (request, reply): Promise<SubscribeResponse> => {
      const { subscription } = request.body;
      const problem = checkSubscription(subscription, o.pushHosts);
      if (problem) throw new ApiError(400, problem.code, problem.message);
      const { created } = await o.store
        .upsert({
          uid: request.uid!,
          endpoint: subscription.endpoint,
          p256dh: subscription.keys.p256dh,
          auth: subscription.keys.auth,
          userAgent: request.headers['user-agent']?.slice(0, USER_AGENT_MAX) ?? null,
        })
        .catch((err: unknown) => {
          // Knowing an endpoint is no proof of owning it: the victim's device would silently move.
          if (err instanceof EndpointTakenError) {
            throw new ApiError(409, 'endpoint_taken', 'this push subscription is registered with other keys: unsubscribe in the browser and subscribe again');
          }
          throw err;
        });
      if (created) {
        const dropped = await o.store.trimDevices(request.uid!, o.maxDevices, subscription.endpoint);
        if (dropped > 0) request.log.info({ uid: request.uid, dropped }, 'over RINGKIT_MAX_DEVICES_PER_USER: dropped the devices longest without a delivery');
      }
      reply.code(created ? 201 : 200);
      return { created };
    },
  );

  app.delete<{ Body: UnsubscribeRequest }>(
    API_ROUTES.subscriptions,
    { schema: { body: unsubscribeRequestSchema }, onRequest, config },
    async (request, reply) => {
      const { endpoint } = request.body;
      if (await o.store.remove(request.uid!, endpoint)) return reply.code(204).send();
      // Another user's device gets the same answer as none: a stranger learns nothing.
      throw new ApiError(404, 'device_not_found', 'you have no device with this endpoint');
    },
  );
}
