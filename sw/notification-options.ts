/**
 * Payload → what to show. Pure: the push handler decides nothing else about
 * how a notification looks. Per-browser support of each option is in
 * shared/facts/platforms.md; options a browser doesn't know are ignored by it.
 */
import type { CallEndReason, CallEndedPayload, CallType, IncomingCallPayload, ParseResult } from '../protocol/payload';
import { isLateRing } from '../browser-shared/late-ring';
import type { DeclarativeNotification } from '../protocol/declarative';
import { callEndedBody, callEndedTitle, callTag, callTypeLabel, incomingCallTitle, missedCallTitle, MISSED_REASONS } from '../protocol/call-links';

export { callTag };

export const ICON = '/icons/icon-192.png';
export const BADGE = '/icons/badge-72.png';
/** Ring-like; only Android Chrome before O vibrates (platforms.md). */
export const RING_VIBRATION = [500, 250, 500, 250, 500];
export const UNKNOWN_PUSH_TAG = 'ringkit-unknown';
/** What a click needs, carried on the notification itself (the worker may be restarted in between). */
export type CallNotificationData =
  | {
      kind: 'ringing';
      sessionId: string;
      callerName: string;
      callType: CallType;
      declineToken?: string;
      ringUntil?: number;
    }
  | { kind: 'missed'; sessionId: string; callerName?: string; callType?: CallType }
  | { kind: 'ended'; sessionId: string; reason: CallEndReason; callerName?: string };

export type NotificationData = CallNotificationData | { kind: 'generic' };

export interface NotificationAction {
  action: 'accept' | 'decline';
  title: string;
}

/** NotificationOptions plus what TypeScript's lib no longer lists (actions, renotify, vibrate, timestamp). */
export interface RingNotificationOptions {
  body: string;
  tag: string;
  data: NotificationData;
  icon?: string;
  badge?: string;
  requireInteraction?: boolean;
  renotify?: boolean;
  silent?: boolean;
  vibrate?: number[];
  actions?: NotificationAction[];
  timestamp?: number;
  /**
   * Microsoft's incoming-call scenario (MSEdgeExplainers,
   * Notifications/notifications_actions_customization.md): a looping
   * ringtone, call-styled buttons and a Close button the browser adds.
   * Chromium applies it to installed web apps only.
   */
  scenario?: 'incoming-call';
}

export interface NotificationSpec {
  title: string;
  options: RingNotificationOptions;
}

const RING_ACTIONS: NotificationAction[] = [
  { action: 'accept', title: 'Accept' },
  { action: 'decline', title: 'Decline' },
];

/** What the browser offers beyond plain notifications, from its own feature detection. */
export interface RingFeatures {
  /** `'scenario' in Notification.prototype` */
  incomingCallScenario?: boolean;
}

export function ringingNotification(payload: IncomingCallPayload, features: RingFeatures = {}): NotificationSpec {
  const data: NotificationData = {
    kind: 'ringing',
    sessionId: payload.sessionId,
    callerName: payload.callerName,
    callType: payload.callType,
  };
  if (payload.declineToken) data.declineToken = payload.declineToken;
  if (payload.ringUntil !== undefined) data.ringUntil = payload.ringUntil;
  const spec: NotificationSpec = {
    title: incomingCallTitle(payload.callerName),
    options: {
      body: callTypeLabel(payload.callType),
      tag: callTag(payload.sessionId),
      data,
      icon: ICON,
      badge: BADGE,
      // Stays until answered where supported (Chrome; Firefox on Windows only).
      requireInteraction: true,
      // Chrome: alert again when a ring replaces one under the same tag.
      renotify: true,
      silent: false,
      vibrate: RING_VIBRATION,
      // Chrome shows at most 2 actions (the incoming-call scenario too, plus its own Close);
      // Safari none (the click opens the call screen).
      actions: RING_ACTIONS,
    },
  };
  if (features.incomingCallScenario) spec.options.scenario = 'incoming-call';
  return spec;
}

/**
 * The decline did not reach CometChat, so the caller still hears it ringing:
 * the ring stays on screen, saying so, and its Decline tries again.
 */
export function declineRetryNotification(data: Extract<CallNotificationData, { kind: 'ringing' }>): NotificationSpec {
  return {
    title: `Couldn’t decline the call from ${data.callerName}`,
    options: {
      body: `${data.callerName} can’t see your answer yet. Check your connection, then press Decline again.`,
      tag: callTag(data.sessionId),
      data,
      icon: ICON,
      badge: BADGE,
      requireInteraction: true,
      silent: false,
      actions: RING_ACTIONS,
    },
  };
}

export function missedCallNotification(
  sessionId: string,
  callerName: string | undefined,
  extra: { callType?: CallType; timestamp?: number } = {},
): NotificationSpec {
  const data: NotificationData = { kind: 'missed', sessionId };
  if (callerName) data.callerName = callerName;
  if (extra.callType) data.callType = extra.callType;
  const body = callEndedBody('unanswered', callerName, extra.callType);
  const options: RingNotificationOptions = { body, tag: callTag(sessionId), data, icon: ICON, badge: BADGE };
  if (extra.timestamp) options.timestamp = extra.timestamp;
  return { title: missedCallTitle(callerName), options };
}

/** A ring that arrived too late to ring: shown as missed, quietly replacing nothing. */
export function lateRingNotification(payload: IncomingCallPayload): NotificationSpec {
  const extra: { callType: CallType; timestamp?: number } = { callType: payload.callType };
  if (payload.timestamp > 0) extra.timestamp = payload.timestamp;
  return missedCallNotification(payload.sessionId, payload.callerName, extra);
}

/**
 * The call's outcome, under the ring's tag. A notification must be shown even
 * for a stop (Apple revokes subscriptions whose pushes show nothing), so the
 * ring is replaced rather than only closed.
 */
export function callEndedNotification(
  payload: CallEndedPayload,
  caller: { callerName?: string | undefined; callType?: CallType | undefined; answeredHere?: boolean } = {},
): NotificationSpec {
  const { callerName, callType } = caller;
  if (MISSED_REASONS.includes(payload.reason)) {
    return missedCallNotification(payload.sessionId, callerName, callType ? { callType } : {});
  }
  const title = callEndedTitle(payload.reason, callerName, caller.answeredHere);
  const data: NotificationData = { kind: 'ended', sessionId: payload.sessionId, reason: payload.reason };
  if (callerName) data.callerName = callerName;
  return {
    title,
    options: {
      body: callEndedBody(payload.reason, callerName, callType),
      tag: callTag(payload.sessionId),
      data,
      icon: ICON,
      badge: BADGE,
      // Nothing to act on: don't make a sound about it (Chrome, Firefox 132+, Safari 16.6).
      silent: true,
    },
  };
}

/** For a push that isn't ours or can't be read: still visible, or Apple revokes the subscription. */
/**
 * A declarative message that is not a RingKit payload, in a browser that does
 * not show declarative messages itself: shown as it declares itself.
 */
export function declaredNotification(n: DeclarativeNotification): NotificationSpec {
  const options: RingNotificationOptions = { body: n.body ?? '', tag: n.tag || UNKNOWN_PUSH_TAG, data: { kind: 'generic' }, icon: ICON, badge: BADGE };
  if (n.silent !== undefined) options.silent = n.silent;
  return { title: n.title, options };
}

export function genericNotification(): NotificationSpec {
  return {
    title: 'RingKit',
    options: { body: 'Open RingKit', tag: UNKNOWN_PUSH_TAG, data: { kind: 'generic' }, icon: ICON, badge: BADGE },
  };
}

export interface NotificationContext {
  /** ms since the epoch */
  now: number;
  /** for a call_ended: who called, from the ring's notification or the call log */
  callerName?: string | undefined;
  callType?: CallType | undefined;
  /** this device accepted the call (its call log says so) */
  answeredHere?: boolean;
}

/** Any parsed push → the notification to show. */
export function notificationFor(result: ParseResult, context: NotificationContext): NotificationSpec {
  if (!result.ok) return genericNotification();
  const payload = result.payload;
  if (payload.type === 'call_ended') return callEndedNotification(payload, context);
  return isLateRing(payload, context.now) ? lateRingNotification(payload) : ringingNotification(payload);
}
