/** The sender's call endpoints the worker calls with a ring's decline token (it has no user session). */
import { apiPath } from '../protocol/api';
import { bestEffort, STORE_READ_BUDGET_MS, type SwContext } from './context';
import { isSafeSessionId } from './click-target';
import { senderBaseUrl } from '../browser-shared/subscription-config';

/**
 * How long a decline may take before the call screen is opened instead (and
 * how long an answer or a "shown" may take to be told). Short: the browser lets a
 * click open or focus a window only for a few seconds.
 */
export const DECLINE_TIMEOUT_MS = 4_000;

/** The sender's URL for one of the calls endpoints the notification's token opens. */
export async function callApiUrl(ctx: SwContext, route: string, sessionId: string): Promise<string> {
  const config = await bestEffort(ctx, 'reading the settings', () => ctx.settings.getSubscriptionConfig(), STORE_READ_BUDGET_MS);
  return senderBaseUrl(config, ctx.origin) + apiPath(route, { sessionId });
}

/**
 * Best effort: POSTs `{"endpoint"}` (this device) with the ring's token to one
 * of the call's routes (answer: this device gets no stop; shown: the ring is on
 * screen here). Never throws; `what` names it in the log.
 */
export async function tellSender(ctx: SwContext, route: string, sessionId: string, declineToken: string | undefined, what: string): Promise<void> {
  // A seed payload has no token; a hostile session id must not steer the URL.
  if (!declineToken || !isSafeSessionId(sessionId)) return;
  const url = await callApiUrl(ctx, route, sessionId);
  const subscription = await bestEffort(ctx, 'reading the subscription', () => ctx.registration.pushManager.getSubscription(), STORE_READ_BUDGET_MS);
  try {
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${declineToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(subscription ? { endpoint: subscription.endpoint } : {}),
      signal: AbortSignal.timeout(DECLINE_TIMEOUT_MS),
    });
    if (!response.ok) ctx.log(`${what} refused: HTTP ${response.status}`);
  } catch (error) {
    ctx.log(`${what} failed`, error);
  }
}
