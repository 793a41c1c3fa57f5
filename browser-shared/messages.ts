/**
 * Every message between the app's pages and the service worker, typed in one
 * place (squoosh's bare strings are what we avoid). Runtime-free: the app
 * imports this module as well.
 */
import { CALL_END_REASONS, type CallEndReason, type IncomingCallPayload } from '../protocol/payload';
import { parseSubscriptionConfig, type SubscriptionConfig } from './subscription-config';

/** worker → page: a ring arrived; an open page may ring in place (the web has no notification sound). */
export interface IncomingCallMessage {
  type: 'incoming_call';
  payload: IncomingCallPayload;
  /** absent from workers older than the /compat page's test ring */
  timings?: RingTimings;
  /**
   * The notification rings by itself (the incoming-call scenario, with the
   * browser's own looping ringtone): an open page shows its ringer without
   * playing its ringtone, so the call does not ring twice.
   */
  notificationRings?: boolean;
}

/** The worker's clock (epoch ms) at each step of a ring: the /compat page measures a test ring with them. */
export interface RingTimings {
  /** the push event began */
  pushReceivedAt: number;
  /** showNotification resolved: the notification was on screen */
  notificationShownAt: number;
}

/** worker → page: stop ringing for this call (ended elsewhere, declined from the notification, or late). */
export interface CallEndedMessage {
  type: 'call_ended';
  sessionId: string;
  reason: CallEndReason;
}

/** worker → page: accepted from the notification; other tabs stop ringing, the call tab joins. */
export interface CallAcceptedMessage {
  type: 'call_accepted';
  sessionId: string;
}

export type WorkerToPageMessage = IncomingCallMessage | CallEndedMessage | CallAcceptedMessage;

/** page → worker: activate the waiting worker (the app's "update available" prompt). */
export interface SkipWaitingMessage {
  type: 'SKIP_WAITING';
}

/** page → worker: remember how to re-subscribe when the browser rotates the subscription. */
export interface SetSubscriptionConfigMessage {
  type: 'set_subscription_config';
  config: SubscriptionConfig;
}

export type PageToWorkerMessage = SkipWaitingMessage | SetSubscriptionConfigMessage;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const isRingTimings = (v: unknown): v is RingTimings =>
  isObject(v) && typeof v.pushReceivedAt === 'number' && typeof v.notificationShownAt === 'number';

/** For the app's `navigator.serviceWorker` message listener: data posted by any worker version. */
export function isWorkerToPageMessage(data: unknown): data is WorkerToPageMessage {
  if (!isObject(data)) return false;
  switch (data.type) {
    case 'incoming_call':
      return (
        isObject(data.payload) &&
        typeof data.payload.sessionId === 'string' &&
        (data.timings === undefined || isRingTimings(data.timings)) &&
        (data.notificationRings === undefined || typeof data.notificationRings === 'boolean')
      );
    case 'call_ended':
      return typeof data.sessionId === 'string' && (CALL_END_REASONS as readonly unknown[]).includes(data.reason);
    case 'call_accepted':
      return typeof data.sessionId === 'string';
    default:
      return false;
  }
}

/** For the worker's message listener: any window of the origin can post anything. */
export function parsePageToWorkerMessage(data: unknown): PageToWorkerMessage | undefined {
  if (!isObject(data)) return undefined;
  if (data.type === 'SKIP_WAITING') return { type: 'SKIP_WAITING' };
  if (data.type === 'set_subscription_config') {
    const config = parseSubscriptionConfig(data.config);
    return config ? { type: 'set_subscription_config', config } : undefined;
  }
  return undefined;
}
