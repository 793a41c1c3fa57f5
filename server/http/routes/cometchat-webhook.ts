import type { FastifyInstance } from 'fastify';
import { API_ROUTES, type CometChatWebhookResponse } from '../../../protocol/api';
import { EventError, parseCometChatEvent } from '../../cometchat/events';
import type { CallService } from '../../calls';
import type { RingKeeper } from '../../cometchat/ring-keeper';
import { requireBasic } from '../auth-hooks';
import { ApiError } from '../errors';

export interface CometChatWebhookOptions {
  keeper: RingKeeper;
  calls: CallService;
  credentials: { user: string; password: string };
}

/** CometChat's call events carry whole user and call objects: more than the API's usual body limit. */
const WEBHOOK_BODY_LIMIT = 64 * 1024;

/**
 * POST /api/webhooks/cometchat. CometChat wants a 200 within ~2 s and retries
 * otherwise, so the answer comes once the event id is recorded (a store
 * failure is a 500, a database out of reach a 503: CometChat's retry is then welcome) and the pushes go out
 * after it.
 */
export async function cometchatWebhookRoutes(app: FastifyInstance, o: CometChatWebhookOptions): Promise<void> {
  app.post(
    API_ROUTES.cometchatWebhook,
    // CometChat's few addresses send every call event of the app: no per-address limit (Basic auth guards it).
    { onRequest: requireBasic(o.credentials), bodyLimit: WEBHOOK_BODY_LIMIT, config: { rateLimit: false } },
    async (request): Promise<CometChatWebhookResponse> => {
      let event;
      try {
        event = parseCometChatEvent(request.body);
      } catch (err) {
        if (err instanceof EventError) throw new ApiError(400, 'invalid_event', err.message);
        throw err;
      }
      if (event.kind === 'ignored') {
        request.log.debug({ trigger: event.trigger, why: event.why }, 'CometChat event ignored');
        return { status: 'ignored' };
      }
      // A ring too large to push is refused now (400), not lost in the background.
      if (event.action.kind === 'ring') await o.calls.assertRingFits(event.action.ring);
      if (!(await o.keeper.claim(event.id))) {
        request.log.info({ trigger: event.trigger }, 'CometChat event already handled (a retry): ignored');
        return { status: 'duplicate' };
      }
      o.keeper.dispatch(event.id, event.action, request.log);
      return { status: 'accepted' };
    },
  );
}
