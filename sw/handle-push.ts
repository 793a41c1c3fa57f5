/**
 * The push event. Every push ends in a visible notification — unknown and
 * malformed ones included — because Apple revokes a subscription whose push
 * shows none, and Chrome shows its own "updated in the background" notice.
 */
import { API_ROUTES } from '../protocol/api';
import { parseDeclarativeMessage } from '../protocol/declarative';
import { parsePushPayload, type CallEndedPayload, type IncomingCallPayload } from '../protocol/payload';
import { bestEffort, postToWindows, STORE_READ_BUDGET_MS, type SwContext } from './context';
import type { CallRecord } from '../browser-shared/call-log';
import type { IncomingCallMessage } from '../browser-shared/messages';
import { readNotificationData } from './click-target';
import {
  callEndedNotification,
  declaredNotification,
  genericNotification,
  lateRingNotification,
  ringingNotification,
  type NotificationSpec,
} from './notification-options';
import { isLateRing } from '../browser-shared/late-ring';
import { tellSender } from './sender-api';
import { closeAll, notificationsOfCall, showNotification } from './show-notification';

export type PushOutcome = 'ringing' | 'late' | 'already-ended' | 'ended' | 'declared' | 'unknown';

/**
 * `data` is the push's text (`event.data?.text()`), null for a push without a
 * body. `declared` is the notification a mutable Declarative Web Push message
 * brought (`event.notification`, Safari 18.4+): the browser shows it unless
 * the worker shows one of its own.
 */
export async function handlePush(ctx: SwContext, data: string | null, declared?: { readonly title: string } | null): Promise<PushOutcome> {
  const parsed = parsePushPayload(data);
  if (parsed.ok) {
    const payload = parsed.payload;
    // RingKit's own payload (inside a declarative message too): the worker's notification replaces the declared one.
    return payload.type === 'incoming_call' ? handleRing(ctx, payload) : handleCallEnded(ctx, payload);
  }
  ctx.log(`push not understood: ${parsed.error}`);
  if (declared) return 'declared'; // Safari shows the declared notification itself: better than a generic one.
  const declarative = data === null ? undefined : parseDeclarativeMessage(data);
  await showNotification(ctx, declarative?.ok ? declaredNotification(declarative.message.notification) : genericNotification());
  return declarative?.ok ? 'declared' : 'unknown';
}

/** States after which a repeated ring for the same call must not ring again. */
const FINAL_STATES: ReadonlySet<CallRecord['state']> = new Set(['missed', 'ended', 'declined', 'accepted']);

async function handleRing(ctx: SwContext, payload: IncomingCallPayload): Promise<PushOutcome> {
  const now = ctx.now();
  const known = await bestEffort(ctx, 'reading the call log', () => ctx.callLog.get(payload.sessionId), STORE_READ_BUDGET_MS);
  // Safari ignores tags: close this call's earlier notifications ourselves.
  const earlier = await notificationsOfCall(ctx, payload.sessionId);

  if (known && FINAL_STATES.has(known.state)) {
    // A repeated or out-of-order ring for a call that is over: show, don't ring.
    closeAll(earlier);
    await showNotification(ctx, notificationForEndedCall(known, payload));
    return 'already-ended';
  }

  const late = isLateRing(payload, now);
  closeAll(earlier);
  const incomingCallScenario = !late && incomingCallScenarioOf(ctx);
  await showNotification(ctx, late ? lateRingNotification(payload) : ringingNotification(payload, { incomingCallScenario }));
  const notificationShownAt = ctx.now();

  const record: CallRecord = {
    sessionId: payload.sessionId,
    callerName: payload.callerName,
    callType: payload.callType,
    receivedAt: now,
    state: late ? 'missed' : 'ringing',
  };
  if (payload.ringUntil !== undefined) record.ringUntil = payload.ringUntil;
  if (payload.declineToken && !late) record.declineToken = payload.declineToken;
  if (late) record.reason = 'unanswered';
  await bestEffort(ctx, 'recording the call', () => ctx.callLog.put(record));

  if (late) {
    // Nothing rings; a page that somehow still shows this call can drop it.
    await postToWindows(ctx, { type: 'call_ended', sessionId: payload.sessionId, reason: 'unanswered' });
    return 'late';
  }
  // The sender's trace tells "shown on this device" from "delivered to the push service"; never holds up the ring.
  const told = tellSender(ctx, API_ROUTES.shown, payload.sessionId, payload.declineToken, 'reporting the ring shown');
  // An open page rings in place (the web has no custom notification sound),
  // unless the notification has a ringtone of its own.
  const notificationRings = incomingCallScenario && (await ringsByItself(ctx, payload.sessionId));
  const message: IncomingCallMessage = { type: 'incoming_call', payload, timings: { pushReceivedAt: now, notificationShownAt } };
  if (notificationRings) message.notificationRings = true;
  await postToWindows(ctx, message);
  await told;
  return 'ringing';
}

/** The browser's own feature detection, never its user agent. */
function incomingCallScenarioOf(ctx: SwContext): boolean {
  try {
    return ctx.incomingCallScenario?.() === true;
  } catch {
    return false;
  }
}

/**
 * Whether the browser says it shows the ring with the incoming-call scenario,
 * as it reads the notification back. Chromium 156 applies the scenario (its
 * looping ringtone is Windows') to installed apps only, and reads every ring
 * back as "default" even then (its notification store keeps no scenario): so
 * the page keeps its own ringtone there, rather than guess from the platform.
 */
async function ringsByItself(ctx: SwContext, sessionId: string): Promise<boolean> {
  const shown = await notificationsOfCall(ctx, sessionId);
  return shown.some((n) => n.scenario === 'incoming-call');
}

function notificationForEndedCall(known: CallRecord, ring: IncomingCallPayload): NotificationSpec {
  if (known.state === 'missed') return lateRingNotification(ring);
  const reason = known.state === 'accepted' ? 'answered' : (known.reason ?? (known.state === 'declined' ? 'declined' : 'ended'));
  const ended: CallEndedPayload = { type: 'call_ended', v: ring.v, sessionId: ring.sessionId, reason, timestamp: ring.timestamp };
  return callEndedNotification(ended, { callerName: ring.callerName, callType: ring.callType, answeredHere: known.state === 'accepted' });
}

async function handleCallEnded(ctx: SwContext, payload: CallEndedPayload): Promise<PushOutcome> {
  const shown = await notificationsOfCall(ctx, payload.sessionId);
  const known = await bestEffort(ctx, 'reading the call log', () => ctx.callLog.get(payload.sessionId), STORE_READ_BUDGET_MS);
  const fromNotification = shown.map((n) => readNotificationData(n.data)).find((d) => d.kind !== 'generic' && d.callerName);
  const callerName =
    (fromNotification && fromNotification.kind !== 'generic' ? fromNotification.callerName : undefined) || known?.callerName || undefined;

  const answeredHere = known?.state === 'accepted';

  closeAll(shown);
  await showNotification(ctx, callEndedNotification(payload, { callerName, callType: known?.callType, answeredHere }));

  const missed = payload.reason === 'cancelled' || payload.reason === 'unanswered' || payload.reason === 'busy';
  const state: CallRecord['state'] = answeredHere && payload.reason === 'answered'
    ? 'accepted'
    : missed
      ? 'missed'
      : payload.reason === 'declined'
        ? 'declined'
        : 'ended';
  await bestEffort(ctx, 'recording the end of the call', async () => {
    // Remembered even when the ring never arrived, so a late ring won't ring.
    const updated = await ctx.callLog.setState(payload.sessionId, { state, reason: payload.reason });
    if (!updated) {
      await ctx.callLog.put({
        sessionId: payload.sessionId,
        callerName: '',
        callType: 'audio',
        receivedAt: ctx.now(),
        state,
        reason: payload.reason,
      });
    }
  });
  await postToWindows(ctx, { type: 'call_ended', sessionId: payload.sessionId, reason: payload.reason });
  return 'ended';
}
