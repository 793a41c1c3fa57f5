/**
 * The sender's HTTP API (design.md, "Sender HTTP API"): request schemas (JSON
 * Schema, checked by the sender) and the request and response types that the
 * app, the worker and backends calling the sender share.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { CALL_END_REASONS, CALL_TYPES } from './payload';

export const API_ROUTES = {
  publicKey: '/api/push/public-key',
  subscriptions: '/api/push/subscriptions',
  /** the signed-in user rings one of their own devices (the /compat page's "Send a test ring") */
  testRing: '/api/push/test-ring',
  calls: '/api/calls',
  cancel: '/api/calls/:sessionId/cancel',
  answer: '/api/calls/:sessionId/answer',
  decline: '/api/calls/:sessionId/decline',
  /** what happened to each push of a call on each device (API key) */
  callTrace: '/api/calls/:sessionId',
  /** the worker showed the ring: `{"endpoint"}` with the decline token */
  shown: '/api/calls/:sessionId/shown',
  /** development only (RINGKIT_DEV_LOGIN): sign in by name, and call another signed-in name */
  devSession: '/api/dev/session',
  devCalls: '/api/dev/calls',
  /** the caller's view of a dev call: its call events as a server-sent event stream */
  devCallEvents: '/api/dev/calls/:sessionId/events',
  devCallCancel: '/api/dev/calls/:sessionId/cancel',
  cometchatWebhook: '/api/webhooks/cometchat',
  health: '/healthz',
  ready: '/readyz',
  metrics: '/metrics',
} as const;

/** A route's path with its parameters filled in (session ids contain dots and more). */
export function apiPath(route: string, params: Record<string, string> = {}): string {
  return route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** Longest ids and names the API takes (also applied to CometChat's webhook events). */
export const MAX_LENGTHS = { uid: 128, sessionId: 256, callerName: 128 } as const;

/**
 * A session id travels as a path segment (/api/calls/<id>/cancel, /call/<id>):
 * `.` and `..` do not survive URL normalisation, and control characters and
 * lone surrogates (which encodeURIComponent cannot encode) have no place in
 * one. Checked with the `u` flag, as JSON Schema (ajv) does.
 */
export const SESSION_ID_PATTERN = '^(?!\\.{1,2}$)[^\\p{Cc}\\p{Cs}]+$';

/** Whether a session id can be rung, and so cancelled, declined and answered. */
export function isValidSessionId(id: string): boolean {
  return id.length > 0 && [...id].length <= MAX_LENGTHS.sessionId && new RegExp(SESSION_ID_PATTERN, 'u').test(id);
}

const uid = { type: 'string', minLength: 1, maxLength: MAX_LENGTHS.uid } as const;
const sessionId = { type: 'string', minLength: 1, maxLength: MAX_LENGTHS.sessionId, pattern: SESSION_ID_PATTERN } as const;

export const subscriptionSchema = {
  type: 'object',
  required: ['endpoint', 'keys'],
  properties: {
    endpoint: { type: 'string', minLength: 1, maxLength: 2048 },
    expirationTime: { type: ['number', 'null'] },
    keys: {
      type: 'object',
      required: ['p256dh', 'auth'],
      properties: {
        p256dh: { type: 'string', minLength: 1, maxLength: 128 },
        auth: { type: 'string', minLength: 1, maxLength: 64 },
      },
    },
  },
} as const;

export const subscribeRequestSchema = {
  type: 'object',
  required: ['subscription'],
  properties: { subscription: subscriptionSchema },
} as const;

export const unsubscribeRequestSchema = {
  type: 'object',
  required: ['endpoint'],
  properties: { endpoint: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;

export const testRingRequestSchema = unsubscribeRequestSchema;

export const ringRequestSchema = {
  type: 'object',
  required: ['recipientUid', 'sessionId', 'callerName', 'callerUid', 'callType'],
  properties: {
    recipientUid: uid,
    sessionId,
    callerName: { type: 'string', minLength: 1, maxLength: MAX_LENGTHS.callerName },
    callerUid: uid,
    callType: { type: 'string', enum: CALL_TYPES },
  },
} as const;

export const cancelRequestSchema = {
  type: 'object',
  required: ['recipientUid'],
  properties: {
    recipientUid: uid,
    reason: { type: 'string', enum: CALL_END_REASONS },
  },
} as const;

/** POST /api/calls/:sessionId/shown: the device that showed the ring. */
export const shownRequestSchema = unsubscribeRequestSchema;

/** POST /api/calls/:sessionId/answer: the answering device, which needs no stop. */
export const answerRequestSchema = {
  type: 'object',
  properties: { endpoint: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;

/** Decline's optional body: "busy" when the callee was in another call (CometChat's UI Kit answers so). */
export const declineRequestSchema = {
  type: 'object',
  properties: { reason: { enum: ['declined', 'busy'] } },
  additionalProperties: false,
} as const;

export const sessionParamsSchema = {
  type: 'object',
  required: ['sessionId'],
  properties: { sessionId },
} as const;

export const devSessionRequestSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S' } },
} as const;

export const devCallRequestSchema = {
  type: 'object',
  required: ['recipientUid'],
  properties: { recipientUid: uid, callType: { type: 'string', enum: CALL_TYPES } },
} as const;

export type PushSubscriptionJSONBody = FromSchema<typeof subscriptionSchema>;
export type SubscribeRequest = FromSchema<typeof subscribeRequestSchema>;
export type UnsubscribeRequest = FromSchema<typeof unsubscribeRequestSchema>;
export type TestRingRequest = FromSchema<typeof testRingRequestSchema>;
export type RingRequest = FromSchema<typeof ringRequestSchema>;
export type AnswerRequest = FromSchema<typeof answerRequestSchema>;
export type DeclineRequest = FromSchema<typeof declineRequestSchema>;
export type ShownRequest = FromSchema<typeof shownRequestSchema>;
export type CancelRequest = FromSchema<typeof cancelRequestSchema>;
export type DevSessionRequest = FromSchema<typeof devSessionRequestSchema>;
export type DevCallRequest = FromSchema<typeof devCallRequestSchema>;

export interface PublicKeyResponse {
  publicKey: string;
}

export interface SubscribeResponse {
  /** true when this endpoint was new to the sender (201), false when known (200) */
  created: boolean;
}

/** One of the signed-in user's devices (GET /api/push/subscriptions). */
export interface DeviceInfo {
  endpoint: string;
  /** the browser's User-Agent when it registered; the app names the browser from it */
  userAgent: string | null;
  /** ISO 8601 */
  createdAt: string;
  /** the last push's outcome: 'delivered', 'failed:<status>', … or null before the first ring */
  lastOutcome: string | null;
  lastOutcomeAt: string | null;
}

export interface DevicesResponse {
  devices: DeviceInfo[];
}

export interface DevSessionResponse {
  /** a user token (HS256 JWT) for the sender's user endpoints */
  token: string;
  uid: string;
  name: string;
  /** epoch ms */
  expiresAt: number;
}

/** The answer to a ring, a cancel or a decline: one final outcome per device, or pending. */
export interface DeliveryCounts {
  devices: number;
  delivered: number;
  purged: number;
  failed: number;
  pending: number;
}

/** POST /api/push/test-ring: the one device's outcome, and what to look for in the worker's message. */
export interface TestRingResponse extends DeliveryCounts {
  /** `test.<uuid>`: the ring's session id */
  sessionId: string;
  /** epoch ms when the sender built the ring (the payload's timestamp) */
  sentAt: number;
}

/** A test ring's session id starts with this; its caller name says it is a test. */
export const TEST_RING_PREFIX = 'test.';
export const TEST_RING_CALLER = 'RingKit test ring';

/**
 * The answer to a CometChat webhook POST, given before any push is sent:
 * accepted (delivery started), duplicate (a retry of an event already
 * handled), ignored (not a call event RingKit acts on).
 */
export interface CometChatWebhookResponse {
  status: 'accepted' | 'duplicate' | 'ignored';
}

/** A push's kind: the ring, or the call_ended that stops it. */
export type PushKind = 'ring' | 'call_ended';

/** One push to one device, as GET /api/calls/:sessionId tells it; times are ISO 8601. */
export interface PushTraceInfo {
  /** when the first attempt was sent; null when the ring ended before one could be */
  sentAt: string | null;
  /** the push service's last answer: an HTTP status ("201", "410", …) or a transport error ("timeout", "reset", "refused", "tls", …) */
  answer: string | null;
  retries: number;
  /** delivered (to the push service), purged (404/410: the device was deleted), failed, expired; null while still being sent */
  outcome: 'delivered' | 'purged' | 'failed' | 'expired' | null;
  finishedAt: string | null;
}

/** One device of the call: its id (never its endpoint or keys), whose it is, its push service, and each push it was sent. */
export interface DeviceTrace {
  deviceId: string;
  uid: string;
  /** fcm, mozilla, apple, wns or other */
  pushService: string;
  ring?: PushTraceInfo & {
    /** when the device's worker said it showed the ring: delivered to the push service is not yet shown */
    shownAt: string | null;
  };
  callEnded?: PushTraceInfo;
}

/** GET /api/calls/:sessionId: kept 24 h after the last push. */
export interface CallTraceResponse {
  sessionId: string;
  devices: DeviceTrace[];
}

/** GET /readyz: whether this instance should get traffic now (a load balancer's view). */
export interface ReadyResponse {
  status: 'ready' | 'unready';
  store: 'ok' | 'unreachable';
  migrations: 'done' | 'pending';
  draining: boolean;
}

export interface HealthResponse {
  status: 'ok' | 'unavailable';
  store: 'ok' | 'unreachable';
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}
