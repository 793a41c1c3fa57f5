/** notificationclick: Accept, Decline, or a click on the notification itself. */
import { API_ROUTES } from '../protocol/api';
import { bestEffort, postToWindows, STORE_READ_BUDGET_MS, windowClients, type SwContext, type WindowClientLike } from './context';
import type { CallState } from '../browser-shared/call-log';
import { callUrl, clickTarget, readNotificationData, windowTarget, type ClickTarget } from './click-target';
import type { CometChatCredentials } from '../browser-shared/cometchat-credentials';
import { callStatusRequest, tokenSubject, type CometChatCallStatus } from './cometchat-answer';
import { declineRetryNotification } from './notification-options';
import { callApiUrl, DECLINE_TIMEOUT_MS, tellSender } from './sender-api';

export type ClickOutcome = 'declined' | 'decline-fallback' | 'decline-retry' | 'focused' | 'navigated' | 'opened' | 'none';

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
    // CometChat first: the caller's side learns the answer only there. Until it has, the call still rings.
    const cometChat = await calleeCometChat(ctx, data.declineToken);
    if (cometChat && !(await tellCometChat(ctx, cometChat, target.sessionId, 'rejected'))) {
      const retry = declineRetryNotification(data);
      await ctx.registration.showNotification(retry.title, retry.options);
      return 'decline-retry';
    }
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
    // With CometChat, the call screen tells CometChat first and the sender after: nothing here.
    const withCometChat = await calleeCometChat(ctx, data.declineToken);
    const announced = withCometChat ? Promise.resolve() : announceAnswer(ctx, data.sessionId, data.declineToken);
    const outcome = await goTo(ctx, target, windows);
    await announced;
    return outcome;
  }
  return goTo(ctx, target, windows);
}

/** Best effort: the answer, naming this device so it gets no stop. */
function announceAnswer(ctx: SwContext, sessionId: string, declineToken: string | undefined): Promise<void> {
  return tellSender(ctx, API_ROUTES.answer, sessionId, declineToken, 'announcing the answer');
}

/** The callee's CometChat login, when this device has one for the user the ring is for. */
async function calleeCometChat(ctx: SwContext, declineToken: string | undefined): Promise<CometChatCredentials | undefined> {
  const credentials = await bestEffort(ctx, 'reading the CometChat login', () => ctx.settings.getCometChatCredentials(), STORE_READ_BUDGET_MS);
  // Never another user's token: the ring names its callee in its token.
  return credentials && credentials.uid === tokenSubject(declineToken) ? credentials : undefined;
}

/** The Chat SDK's own call-status request, made here; true when CometChat took it. */
async function tellCometChat(ctx: SwContext, credentials: CometChatCredentials, sessionId: string, status: CometChatCallStatus): Promise<boolean> {
  const request = callStatusRequest(credentials, sessionId, status);
  try {
    const response = await ctx.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(DECLINE_TIMEOUT_MS),
    });
    if (response.ok) return true;
    ctx.log(`CometChat refused the ${status}: HTTP ${response.status}`);
  } catch (error) {
    ctx.log(`telling CometChat ${status} failed`, error);
  }
  return false;
}

/** POSTs the decline with the ring's token; true when the sender took it (or the ring was over already). */
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
    // 409: the ring already ended (declined on the call screen, timed out): nothing left to decline.
    if (!response.ok && response.status !== 409) {
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
