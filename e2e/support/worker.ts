/**
 * The app's service worker in a real Chromium, and pushes handed to it over
 * CDP's ServiceWorker.deliverPushMessage (Chromium cannot subscribe offline: it
 * needs Google's push service). From the push event on, everything is real.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

export interface AppWorker {
  page: Page;
  cdp: CDPSession;
  registrationId: string;
  /** delivers `payload` (JSON) as a push to the app's worker */
  deliver(payload: object): Promise<void>;
}

/** Opens `url` in a new page and waits until the app's worker is registered and ready. */
export async function openAppWithWorker(context: BrowserContext, origin: string, url: string = origin): Promise<AppWorker> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const reg = registrations.find((r: { scopeURL: string; isDeleted: boolean }) => r.scopeURL.startsWith(origin) && !r.isDeleted);
      if (reg) resolve(reg.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  await page.goto(url);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const registrationId = await registered;
  return {
    page,
    cdp,
    registrationId,
    deliver: async (payload) => {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(payload) });
    },
  };
}

/** Polls `probe` until `ok` (5 s at most): what the browser does next happens on its own time. */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
