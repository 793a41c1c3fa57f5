/**
 * What a callee's browser does in the ringing story, driven from the test:
 * enabling ringing, reading the notifications the worker shows, and waiting
 * for a state (never for a time).
 */
import type { Browser, Page } from 'puppeteer-core';
import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { RingRequest } from '../../protocol/api';
import { readShownNotifications, type ShownNotification } from './notifications';
import { DB_NAME, SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY } from '../../browser-shared/call-log';

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

/** A browser under test, Firefox or Chromium alike: its tabs. */
export interface AppBrowser {
  browser: Browser;
  /** A new tab at url (the app), or about:blank. */
  openPage(url?: string): Promise<Page>;
}

let calls = 0;
/** A new call to uid, from Bob unless said otherwise. */
export function newCall(recipientUid: string, over: Partial<RingRequest> = {}): RingRequest {
  return { recipientUid, sessionId: `v1.eu.${Date.now().toString(36)}.${++calls}`, callerName: 'Bob', callerUid: 'bob', callType: 'audio', ...over };
}

/** Puts another tab in front of the app's: the callee is doing something else. */
export async function sendAppToBackground(browser: AppBrowser, appPage: Page): Promise<void> {
  const other = await browser.openPage();
  await other.bringToFront();
  await until('the app tab to be hidden', () => appPage.evaluate(() => document.visibilityState), (v) => v === 'hidden');
}

/** Closes every tab of the app at `origin`: only the worker is left. */
export async function closeAppTabs(browser: AppBrowser, origin: string): Promise<void> {
  await browser.openPage(); // the browser itself stays open
  for (const page of await browser.browser.pages()) if (page.url().startsWith(origin)) await page.close();
}

/** What the worker posts to the app's tabs (sw/messages.ts), as far as the tests read it. */
export interface HeardMessage {
  type: string;
  sessionId?: string;
  reason?: string;
}

/** Messages the worker posted to this tab, from now on. */
export async function listenToWorker(page: Page): Promise<() => Promise<HeardMessage[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { heard: unknown[] };
    w.heard = [];
    navigator.serviceWorker.addEventListener('message', (e) => w.heard.push(e.data));
  });
  return () => page.evaluate(() => (window as unknown as { heard: HeardMessage[] }).heard);
}

/**
 * The call screen a click on Accept opened for `sessionId`: one tab at
 * /call/<id>?action=accept that went on to join (with no CometChat app
 * configured here, it says what is missing). Throws when it is not so.
 */
export async function callScreenOpened(browser: AppBrowser, sessionId: string, callerName: string): Promise<void> {
  const target = await browser.browser.waitForTarget((t) => t.url().includes('/call/'));
  const url = new URL(target.url());
  const problems: string[] = [];
  if (url.pathname !== `/call/${encodeURIComponent(sessionId)}`) problems.push(`path ${url.pathname}`);
  if (url.searchParams.get('action') !== 'accept') problems.push(`action ${url.searchParams.get('action')}`);
  const callPage = (await target.page())!;
  // With no CometChat app configured here, the screen says the caller was told and joins nothing.
  await callPage.waitForFunction(() => document.querySelector('[data-phase="accepted"]') !== null);
  const told = await callPage.evaluate(() => document.querySelector('.call p')?.textContent);
  if (told !== `${callerName} has been told you accepted.`) problems.push(`text ${JSON.stringify(told)}`);
  const callTabs = (await browser.browser.pages()).filter((p) => p.url().includes('/call/')).length;
  if (callTabs !== 1) problems.push(`${callTabs} call tabs`);
  if (problems.length > 0) throw new Error(`the call screen is not as Accept should open it: ${problems.join(', ')}`);
}

/**
 * A ring from "Seed Sam" to this page's subscription, sent the way the seed's
 * Node template sends it: web-push's sendNotification with the seed's payload
 * (no ringUntil, no declineToken) and options. `agent` carries the
 * connection (trusting a test push service). Resolves with the push service's status.
 */
export async function ringTheSeedsWay(page: Page, vapidDetails: webpush.VapidKeys & { subject: string }, agent: Agent): Promise<number> {
  const subscription = await page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription())!.toJSON());
  const sessionId = `seed-${Date.now()}`;
  const sent = await webpush.sendNotification(
    { endpoint: subscription.endpoint!, keys: { p256dh: subscription.keys!.p256dh!, auth: subscription.keys!.auth! } },
    JSON.stringify({ type: 'incoming_call', sessionId, callerName: 'Seed Sam', callerUid: 'sam', callType: 'video', timestamp: Date.now() }),
    { TTL: 30, urgency: 'high', topic: `call-${sessionId}`.slice(0, 32), vapidDetails, agent },
  );
  return sent.statusCode;
}
