import type { FastifyInstance, FastifyRequest } from 'fastify';
import { API_ROUTES, type CometChatWebhookResponse } from '../../../protocol/api';
import { EventError, parseCometChatEvent, PUSH_EXTENSION_TRIGGER } from '../../cometchat/events';
import type { CallService } from '../../calls';
import type { RingKeeper } from '../../cometchat/ring-keeper';
import type { Metrics } from '../../metrics/metrics';
import { requireBasic } from '../auth-hooks';
import { ApiError } from '../errors';

export interface CometChatWebhookOptions {
  keeper: RingKeeper;
  calls: CallService;
  credentials: { user: string; password: string };
  metrics: Metrics;
}

/** Triggers named in metrics as they are; any other is "other", so a sender can't be made to grow a label per string. */
const KNOWN_TRIGGERS = new Set([
  'call_initiated', 'call_started', 'call_ended', 'call_cancelled', 'call_rejected', 'call_busy', 'call_unanswered',
  'call_participant_joined', 'call_participant_left', PUSH_EXTENSION_TRIGGER,
]);

function triggerLabel(body: unknown): string {
  const trigger = typeof body === 'object' && body !== null ? (body as { trigger?: unknown }).trigger : undefined;
  if (typeof trigger !== 'string') return 'unknown';
  return KNOWN_TRIGGERS.has(trigger) ? trigger : 'other';
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
  /** what each request was answered with, for the metric once the response has gone */
  const answered = new WeakMap<FastifyRequest, CometChatWebhookResponse['status']>();
  app.post(
    API_ROUTES.cometchatWebhook,
    // CometChat's few addresses send every call event of the app: no per-address limit (Basic auth guards it).
    {
      onRequest: requireBasic(o.credentials),
      bodyLimit: WEBHOOK_BODY_LIMIT,
      config: { rateLimit: false },
      // Every answer counted once, refusals (401, 400, 413…) and failures (5xx) included.
      onResponse: async (request, reply) => {
        const status = reply.statusCode;
        const said = answered.get(request);
        const result = status < 300 ? (said === 'accepted' ? 'acted' : said ?? 'ignored') : status < 500 ? 'refused' : 'failed';
        o.metrics.webhookEvent(triggerLabel(request.body), result);
      },
    },
    async (request): Promise<CometChatWebhookResponse> => {
      const answer = (status: CometChatWebhookResponse['status']) => {
        answered.set(request, status);
        return { status };
      };
      let event;
      try {
        event = parseCometChatEvent(request.body);
      } catch (err) {
        if (err instanceof EventError) throw new ApiError(400, 'invalid_event', err.message);
        throw err;
      }
      if (event.kind === 'ignored') {
        request.log.debug({ trigger: event.trigger, why: event.why }, 'CometChat event ignored');
        return answer('ignored');
      }
      // A ring too large to push is refused now (400), not lost in the background.
      if (event.action.kind === 'ring') await o.calls.assertRingFits(event.action.ring);
      if (!(await o.keeper.claim(event.id))) {
        request.log.info({ trigger: event.trigger }, 'CometChat event already handled (a retry): ignored');
        return answer('duplicate');
      }
      o.keeper.dispatch(event.id, event.action, request.log);
      return answer('accepted');
    },
  );
}
