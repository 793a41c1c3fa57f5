/**
 * pushsubscriptionchange: the browser replaced or dropped the subscription
 * (Chrome 138+, Firefox 44+, Safari 16+; never on iOS). No page is open, so
 * the worker registers the new one itself with what the app stored.
 */
import { API_ROUTES } from '../protocol/api';
import { bestEffort, type PushSubscriptionLike, type SwContext } from './context';
import { base64UrlToBytes } from '../browser-shared/base64url';
import { senderBaseUrl } from '../browser-shared/subscription-config';

export type SubscriptionChangeOutcome = 'no-config' | 'subscribe-failed' | 'register-failed' | 'registered';

export async function handleSubscriptionChange(
  ctx: SwContext,
  oldSubscription: { readonly endpoint: string } | null,
  newSubscription: PushSubscriptionLike | null,
): Promise<SubscriptionChangeOutcome> {
  const config = await bestEffort(ctx, 'reading the subscription config', () => ctx.settings.getSubscriptionConfig());
  if (!config) {
    // The app re-subscribes on its next start instead.
    ctx.log('pushsubscriptionchange: no subscription config stored; waiting for the app');
    return 'no-config';
  }

  let subscription = newSubscription;
  try {
    if (!subscription) {
      // Some browsers fire the event with no new subscription; one may exist already.
      const existing = await ctx.registration.pushManager.getSubscription();
      subscription =
        existing && existing.endpoint !== oldSubscription?.endpoint
          ? existing
          : await ctx.registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: base64UrlToBytes(config.vapidPublicKey),
            });
    }
  } catch (error) {
    ctx.log('pushsubscriptionchange: subscribing again failed', error);
    return 'subscribe-failed';
  }

  const base = senderBaseUrl(config, ctx.origin);
  const headers = { Authorization: `Bearer ${config.userToken}`, 'Content-Type': 'application/json' };
  try {
    const response = await ctx.fetch(base + API_ROUTES.subscriptions, {
      method: 'POST',
      headers,
      body: JSON.stringify({ subscription: subscription.toJSON() }),
    });
    if (!response.ok) {
      // 401: the stored user token expired; the app registers again on its next start.
      ctx.log(`pushsubscriptionchange: the sender answered HTTP ${response.status}`);
      return 'register-failed';
    }
  } catch (error) {
    ctx.log('pushsubscriptionchange: registering the subscription failed', error);
    return 'register-failed';
  }

  const oldEndpoint = oldSubscription?.endpoint;
  if (oldEndpoint && oldEndpoint !== subscription.endpoint) {
    // Best effort: the sender also purges it on the push service's 404/410.
    await bestEffort(ctx, 'removing the old subscription', () =>
      ctx.fetch(base + API_ROUTES.subscriptions, { method: 'DELETE', headers, body: JSON.stringify({ endpoint: oldEndpoint }) }),
    );
  }
  return 'registered';
}
