/**
 * What a callee's browser does in the ringing story, driven from the test:
 * enabling ringing, reading the notifications the worker shows, and waiting
 * for a state (never for a time).
 */
import type { Page } from 'puppeteer-core';
import { readShownNotifications, type ShownNotification } from './notifications';
import { DB_NAME, SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY } from '../../sw/call-log';

/** registration.getNotifications() from a page of the app: what the worker has on screen. */
export function notificationsIn(page: Page): Promise<ShownNotification[]> {
  return page.evaluate(readShownNotifications);
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
 * Enables ringing as a callee does: signs in on the home page (the demo's
 * development sign-in), presses "Enable ringing" and waits for "Ringing is on".
 * Returns the device's push endpoint.
 */
export async function enableRingingViaUi(page: Page, name: string): Promise<string> {
  // By label and button text, as a user finds them (puppeteer's ARIA queries need CDP).
  await page.locator('::-p-xpath(//label[normalize-space(text())="Your name"]//input)').fill(name);
  await page.locator(button('Sign in')).click();
  // Locators wait until the button is enabled: signed in, and the browser checked.
  await page.locator(button('Enable ringing')).click();
  const card = await page.waitForSelector('[data-ringing-state="on"]', { timeout: 20_000 });
  const text = await card!.evaluate((el) => el.textContent ?? '');
  if (!text.includes('Ringing is on')) throw new Error(`the ringing card says: ${text}`);
  const endpoint = await endpointIn(page);
  if (!endpoint) throw new Error('"Ringing is on" but the browser holds no subscription');
  // The worker needs this to answer pushsubscriptionchange on its own.
  if ((await storedSubscriptionConfig(page)) === null) throw new Error('"Ringing is on" but the worker has no subscription config');
  return endpoint;
}

const button = (text: string): string => `::-p-xpath(//button[normalize-space(.)=${JSON.stringify(text)}])`;

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
