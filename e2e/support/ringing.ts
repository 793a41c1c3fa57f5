/**
 * What a callee's browser does in the ringing story, driven from the test:
 * enabling ringing, reading the notifications the worker shows, and waiting
 * for a state (never for a time).
 */
import type { Page } from 'puppeteer-core';
import { API_ROUTES, type PublicKeyResponse } from '../../protocol/api';
import { DB_NAME, SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY } from '../../sw/call-log';

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
  actions: { action: string; title: string }[];
  data: Record<string, unknown>;
}

/** registration.getNotifications() from a page of the app: what the worker has on screen. */
export function notificationsIn(page: Page): Promise<ShownNotification[]> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      requireInteraction: n.requireInteraction,
      actions: ((n as Notification & { actions?: { action: string; title: string }[] }).actions ?? []).map((a) => ({ action: a.action, title: a.title })),
      data: n.data as Record<string, unknown>,
    }));
  });
}

/** Polls `probe` from Node (a background tab's own timers are throttled) until `ok`. */
export async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The push subscription this page's worker holds, or null. */
export function endpointIn(page: Page): Promise<string | null> {
  return page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription())?.endpoint ?? null);
}

/**
 * Enables ringing without the app's UI, doing what the app does: subscribe
 * with the sender's VAPID key, register the subscription with a user token,
 * and hand the worker what it needs to re-subscribe on its own.
 * Returns the endpoint.
 */
export async function subscribeInPage(page: Page, userToken: string): Promise<string> {
  const endpoint = await page.evaluate(
    async (routes, token) => {
      const reg = await navigator.serviceWorker.ready;
      const { publicKey } = (await (await fetch(routes.publicKey)).json()) as PublicKeyResponse;
      const key = Uint8Array.from(atob(publicKey.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      const subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      const res = await fetch(routes.subscriptions, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: subscription.toJSON() }),
      });
      if (!res.ok) throw new Error(`registering the subscription: HTTP ${res.status} ${await res.text()}`);
      reg.active!.postMessage({ type: 'set_subscription_config', config: { vapidPublicKey: publicKey, userToken: token } });
      return subscription.endpoint;
    },
    { publicKey: API_ROUTES.publicKey, subscriptions: API_ROUTES.subscriptions },
    userToken,
  );
  await until('the worker to store the subscription config', () => storedSubscriptionConfig(page), (c) => c !== null);
  return endpoint;
}

/** What the worker stored for pushsubscriptionchange (sw/call-log.ts's settings store), or null. */
export function storedSubscriptionConfig(page: Page): Promise<unknown> {
  return page.evaluate(
    (db) =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open(db.name);
        // Not created yet: don't create it here, or the worker's upgrade would never run.
        open.onupgradeneeded = () => open.transaction!.abort();
        open.onerror = (event) => {
          event.preventDefault();
          if (open.error?.name === 'AbortError') resolve(null);
          else reject(open.error);
        };
        open.onsuccess = () => {
          const database = open.result;
          const get = database.transaction(db.store).objectStore(db.store).get(db.key);
          get.onsuccess = () => {
            database.close();
            resolve(get.result ?? null);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    { name: DB_NAME, store: SETTINGS_STORE, key: SUBSCRIPTION_CONFIG_KEY },
  );
}
