/**
 * The incoming-call scenario in a real Chromium: with
 * --enable-features=IncomingCallNotifications, Chromium exposes
 * Notification.prototype.scenario and the worker rings with scenario
 * "incoming-call"; without the flag, the ring is as it always was. (With the
 * app installed and over the real push path: chromium-scenario-installed.) Pushes are
 * handed to the worker over CDP (support/worker.ts); clicks are notificationclick
 * events dispatched in the worker on the real notification (headless Chromium
 * has no notification to click), so the routing is the worker's own.
 */
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarativePush } from '../protocol/declarative';
import type { IncomingCallPayload } from '../protocol/payload';
import { launchChromium } from './support/chromium';
import { readShownNotifications, type ShownNotification } from './support/notifications';
import { startServedApp } from './support/served-app';
import { openAppWithWorker, until, type AppWorker } from './support/worker';

type Served = Awaited<ReturnType<typeof startServedApp>>;

const ring = (sessionId: string): IncomingCallPayload => ({
  type: 'incoming_call', v: 1, sessionId, callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'video',
  timestamp: Date.now(), ringUntil: Date.now() + 30_000, declineToken: 'not.a.token',
});

interface Browser {
  context: BrowserContext;
  page: Page;
  worker: Worker;
  deliver: AppWorker['deliver'];
}

async function openBrowser(served: Served, args: string[]): Promise<Browser> {
  const context = await launchChromium(args);
  await context.grantPermissions(['notifications'], { origin: served.origin });
  const { page, deliver } = await openAppWithWorker(context, served.origin);
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  // Loaded again under the worker's control: only a controlled window can be navigated by it.
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  // Records the options the worker passes, as the browser got them.
  await worker.evaluate(() => {
    const g = self as unknown as { shownOptions: unknown[]; registration: ServiceWorkerRegistration };
    g.shownOptions = [];
    const show = g.registration.showNotification.bind(g.registration);
    g.registration.showNotification = (title: string, options?: NotificationOptions) => {
      g.shownOptions.push({ title, ...structuredClone(options ?? {}) });
      return show(title, options);
    };
  });
  await page.evaluate(() => {
    (window as unknown as { heard: unknown[] }).heard = [];
    navigator.serviceWorker.addEventListener('message', (e) => (window as unknown as { heard: unknown[] }).heard.push(e.data));
  });
  return { context, page, worker, deliver };
}

const shownOptions = (b: Browser) => b.worker.evaluate(() => (self as unknown as { shownOptions: Record<string, unknown>[] }).shownOptions);
const notifications = async (b: Browser): Promise<(ShownNotification & { scenario?: string })[]> => {
  const plain = await b.page.evaluate(readShownNotifications);
  const scenarios = await b.page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => (n as Notification & { scenario?: string }).scenario),
  );
  return plain.map((n, i) => ({ ...n, scenario: scenarios[i] }));
};

/** A click on the notification's `action` ('' for its body), handled by the worker's own listener. */
const click = (b: Browser, tag: string, action: string) =>
  b.worker.evaluate(
    async ([tag, action]) => {
      const scope = self as unknown as {
        registration: ServiceWorkerRegistration;
        NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event;
      };
      const [n] = await scope.registration.getNotifications({ tag });
      // Untrusted, so its waitUntil() throws; the handler it was given runs on.
      try {
        self.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: n!, action }));
      } catch {
        /* reported by the listener */
      }
    },
    [tag, action] as const,
  );

let served: Served;
beforeAll(async () => {
  served = await startServedApp();
});
afterAll(async () => {
  await served?.close();
});

describe('Chromium with --enable-features=IncomingCallNotifications', () => {
  let b: Browser;
  beforeAll(async () => {
    b = await openBrowser(served, ['--enable-features=IncomingCallNotifications']);
  });
  afterAll(() => b?.context.close());

  it('exposes the scenario to the worker, which rings with scenario "incoming-call", Accept and Decline', async () => {
    expect(await b.worker.evaluate(() => 'scenario' in Notification.prototype)).toBe(true);
    await b.deliver(ring('v1.us.scenario'));
    const [options] = await until(() => shownOptions(b), (o) => o.length === 1, 'the ring shown');
    expect(options).toMatchObject({
      title: 'Incoming call from Ada Lovelace',
      scenario: 'incoming-call',
      requireInteraction: true,
      tag: 'call-v1.us.scenario',
      actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }],
    });
    const [shown] = await until(() => notifications(b), (n) => n.length === 1, 'the notification');
    expect(shown).toMatchObject({ requireInteraction: true, actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }] });
    // Chromium 156 keeps no scenario in its notification store: it reads the ring back as
    // "default", here as for an installed app (chromium-scenario-installed.e2e.test.ts) ...
    expect(shown!.scenario).toBe('default');
    // ... so the open page is not told to keep quiet: it rings as before.
    const heard = await until(() => b.page.evaluate(() => (window as unknown as { heard: Record<string, unknown>[] }).heard), (h) => h.length > 0, 'the tab told');
    expect(heard[0]).toMatchObject({ type: 'incoming_call', payload: { sessionId: 'v1.us.scenario' } });
    expect(heard[0]).not.toHaveProperty('notificationRings');
  });

  it('routes Accept on the scenario ring to the call screen', async () => {
    await click(b, 'call-v1.us.scenario', 'accept');
    await b.page.waitForURL(`${served.origin}/call/v1.us.scenario?action=accept`);
  });

  it('routes Decline to the sender, and to the call screen when the sender refuses the token', async () => {
    await b.deliver(ring('v1.us.scenario-2'));
    await until(() => notifications(b), (n) => n.some((x) => x.tag === 'call-v1.us.scenario-2'), 'the second ring');
    await click(b, 'call-v1.us.scenario-2', 'decline');
    // The token is not the sender's: it answers 401, and the call screen declines instead.
    await b.page.waitForURL(`${served.origin}/call/v1.us.scenario-2?action=reject`);
  });

  it('rings for a Declarative Web Push message as for the plain payload (Chromium ignores web_push)', async () => {
    await b.deliver(declarativePush(ring('v1.us.declared'), served.origin));
    const options = await until(() => shownOptions(b), (o) => o.some((x) => x.tag === 'call-v1.us.declared'), 'the declared ring');
    expect(options.find((x) => x.tag === 'call-v1.us.declared')).toMatchObject({
      title: 'Incoming call from Ada Lovelace',
      scenario: 'incoming-call',
      requireInteraction: true,
      data: { kind: 'ringing', sessionId: 'v1.us.declared', declineToken: 'not.a.token' },
    });
  });
});

describe('Chromium without the flag', () => {
  let b: Browser;
  beforeAll(async () => {
    b = await openBrowser(served, []);
  });
  afterAll(() => b?.context.close());

  it('rings exactly as before: no scenario, Accept and Decline', async () => {
    expect(await b.worker.evaluate(() => 'scenario' in Notification.prototype)).toBe(false);
    await b.deliver(ring('v1.us.plain'));
    const [options] = await until(() => shownOptions(b), (o) => o.length === 1, 'the ring shown');
    expect(options).not.toHaveProperty('scenario');
    expect(options).toMatchObject({ requireInteraction: true, actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }] });
    const heard = await until(() => b.page.evaluate(() => (window as unknown as { heard: Record<string, unknown>[] }).heard), (h) => h.length > 0, 'the tab told');
    expect(heard[0]).not.toHaveProperty('notificationRings');
  });

  it('routes Accept to the call screen', async () => {
    await click(b, 'call-v1.us.plain', 'accept');
    await b.page.waitForURL(`${served.origin}/call/v1.us.plain?action=accept`);
  });
});
