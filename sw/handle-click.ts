/** notificationclick: Accept, Decline, or a click on the notification itself. */
import { API_ROUTES, apiPath } from '../protocol/api';
import { bestEffort, postToWindows, STORE_READ_BUDGET_MS, windowClients, type SwContext, type WindowClientLike } from './context';
import type { CallState } from './call-log';
import { callUrl, clickTarget, isSafeSessionId, readNotificationData, windowTarget, type ClickTarget } from './click-target';
import { senderBaseUrl } from './subscription-config';

/**
 * How long a decline may take before the call screen is opened instead (and
 * how long an answer may take to be announced). Short: the browser lets a
 * click open or focus a window only for a few seconds.
 */
export const DECLINE_TIMEOUT_MS = 4_000;

export type ClickOutcome = 'declined' | 'decline-fallback' | 'focused' | 'navigated' | 'opened' | 'none';

/** A call in one of these states can't be accepted or declined any more. */
const OVER: readonly CallState[] = ['missed', 'ended', 'declined'];

export interface ClickedNotification {
  readonly data: unknown;
  close(): void;
}

export async function handleNotificationClick(
  ctx: SwContext,
  notification: ClickedNotification,
  action: string,
): Promise<ClickOutcome> {
  notification.close();
  const data = readNotificationData(notification.data);
  let effective = action;
  if (data.kind === 'ringing' && (action === 'accept' || action === 'decline')) {
    // A ringing notification can outlive its call (requireInteraction): then just open the app.
    const known = await bestEffort(ctx, 'reading the call log', () => ctx.callLog.get(data.sessionId), STORE_READ_BUDGET_MS);
    if (known && OVER.includes(known.state)) effective = '';
  }

  const windows = await windowClients(ctx);
  const target = clickTarget(data, effective, windows, ctx.origin);

  if (target.kind === 'decline' && data.kind === 'ringing') {
    const declined = await declineInPlace(ctx, target.sessionId, data.declineToken);
    // Declined either way (here or on the call screen): this device is done ringing for the call.
    await bestEffort(ctx, 'recording the decline', () =>
      ctx.callLog.setState(target.sessionId, { state: 'declined', reason: 'declined' }),
    );
    if (declined) {
      await postToWindows(ctx, { type: 'call_ended', sessionId: target.sessionId, reason: 'declined' });
      return 'declined';
    }
    // The call screen declines with the user's own session instead.
    const fallback = callUrl(target.sessionId, 'reject', ctx.origin) ?? new URL('/', ctx.origin).href;
    await goTo(ctx, windowTarget(fallback, windows, ctx.origin), windows);
    return 'decline-fallback';
  }

  if (effective === 'accept' && data.kind === 'ringing') {
    await bestEffort(ctx, 'recording the accept', () => ctx.callLog.setState(data.sessionId, { state: 'accepted' }));
    // Other tabs stop ringing; the call window joins.
    await postToWindows(ctx, { type: 'call_accepted', sessionId: data.sessionId });
    // The callee's other devices stop ringing; told alongside opening the call, never holding it up.
    const announced = announceAnswer(ctx, data.sessionId, data.declineToken);
    const outcome = await goTo(ctx, target, windows);
    await announced;
    return outcome;
  }
  return goTo(ctx, target, windows);
}

/** The sender's URL for one of the calls endpoints the notification's token opens. */
async function callApiUrl(ctx: SwContext, route: string, sessionId: string): Promise<string> {
  const config = await bestEffort(ctx, 'reading the settings', () => ctx.settings.getSubscriptionConfig(), STORE_READ_BUDGET_MS);
  return senderBaseUrl(config, ctx.origin) + apiPath(route, { sessionId });
}

/** Best effort: POSTs the answer with the ring's token, naming this device so it gets no stop. */
async function announceAnswer(ctx: SwContext, sessionId: string, declineToken: string | undefined): Promise<void> {
  // A seed payload has no token; a hostile session id must not steer the URL.
  if (!declineToken || !isSafeSessionId(sessionId)) return;
  const url = await callApiUrl(ctx, API_ROUTES.answer, sessionId);
  const subscription = await bestEffort(ctx, 'reading the subscription', () => ctx.registration.pushManager.getSubscription(), STORE_READ_BUDGET_MS);
  try {
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${declineToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(subscription ? { endpoint: subscription.endpoint } : {}),
      signal: AbortSignal.timeout(DECLINE_TIMEOUT_MS),
    });
    if (!response.ok) ctx.log(`answer refused: HTTP ${response.status}`);
  } catch (error) {
    ctx.log('announcing the answer failed', error);
  }
}

/** POSTs the decline with the ring's token; true when the sender took it. */
async function declineInPlace(ctx: SwContext, sessionId: string, declineToken: string | undefined): Promise<boolean> {
  if (!declineToken) {
    ctx.log('no decline token (a seed payload?): opening the call screen to decline');
    return false;
  }
  const url = await callApiUrl(ctx, API_ROUTES.decline, sessionId);
  try {
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${declineToken}` },
      signal: AbortSignal.timeout(DECLINE_TIMEOUT_MS),
    });
    if (!response.ok) {
      ctx.log(`decline refused: HTTP ${response.status}`);
      return false;
    }
  } catch (error) {
    ctx.log('decline failed', error);
    return false;
  }
  return true;
}

/**
 * Carries out a focus/open decision. Focus comes first, while the click still
 * allows it. A navigate that fails (an uncontrolled window can't be
 * navigated) falls back to opening; a navigate that works never also opens.
 */
async function goTo(ctx: SwContext, target: ClickTarget, windows: readonly WindowClientLike[]): Promise<ClickOutcome> {
  if (target.kind === 'open') {
    await ctx.clients.openWindow(target.url);
    return 'opened';
  }
  if (target.kind !== 'focus') return 'none';
  const client = windows[target.clientIndex];
  if (!client) return 'none';
  let focusing: WindowClientLike = client;
  if (target.navigate) {
    // Navigate before focusing: Chromium lets a click focus or open a window only
    // once, and a tab this worker does not control yet (the app's first visit)
    // cannot be navigated, so the window to open must not have been used up.
    try {
      const navigated = await client.navigate(target.navigate);
      // The tab after navigating is a new client; focus that one.
      if (navigated && typeof (navigated as WindowClientLike).focus === 'function') focusing = navigated as WindowClientLike;
    } catch (error) {
      ctx.log('navigate failed; opening a window instead', error);
      await ctx.clients.openWindow(target.navigate);
      return 'opened';
    }
  }
  try {
    await focusing.focus();
  } catch (error) {
    ctx.log('focus failed', error);
  }
  return target.navigate ? 'navigated' : 'focused';
}
