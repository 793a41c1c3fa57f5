import type { FastifyInstance } from 'fastify';
import {
  API_ROUTES,
  TEST_RING_CALLER,
  TEST_RING_PREFIX,
  testRingRequestSchema,
  type TestRingRequest,
  type TestRingResponse,
} from '../../../protocol/api';
import type { Tokens } from '../../auth/tokens';
import type { CallService } from '../../calls';
import type { DeviceStore } from '../../store/types';
import { requireUser } from '../auth-hooks';
import { ApiError } from '../errors';

export interface TestRingRoutesOptions {
  calls: CallService;
  store: DeviceStore;
  tokens: Tokens;
  /** test rings per user per minute */
  perMinute: number;
}

/**
 * "Send a test ring" on the /compat page: the signed-in user rings one of
 * their own devices through the real ring path, so a test can never ring
 * someone else.
 */
export async function testRingRoutes(app: FastifyInstance, o: TestRingRoutesOptions): Promise<void> {
  app.post<{ Body: TestRingRequest }>(
    API_ROUTES.testRing,
    {
      schema: { body: testRingRequestSchema },
      onRequest: requireUser(o.tokens),
      config: { rateLimit: { max: o.perMinute, timeWindow: 60_000 } },
    },
    async (request): Promise<TestRingResponse> => {
      const device = await o.store.findByEndpoint(request.body.endpoint);
      // Another user's device gets the same answer as none: a stranger learns nothing.
      if (!device || device.uid !== request.uid) {
        throw new ApiError(404, 'device_not_found', 'you have no device with this endpoint: enable ringing on it first');
      }
      const sessionId = `${TEST_RING_PREFIX}${crypto.randomUUID()}`;
      const result = await o.calls.ringDevice(device, {
        sessionId,
        callerName: TEST_RING_CALLER,
        callerUid: request.uid,
        callType: 'audio',
      });
      request.log.info({ uid: request.uid, sessionId, delivered: result.delivered }, 'test ring');
      return { ...result, sessionId };
    },
  );
}
