/**
 * What the real push path (chromium-ringing.e2e.test.ts) does not cover: a
 * push no sender of ours would send, handed to the worker over CDP
 * (support/worker.ts), and the installed app (installability, offline start).
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium';
import { readShownNotifications, type ShownNotification } from './support/notifications';
import { startServedApp } from './support/served-app';
import { openAppWithWorker, until, type AppWorker } from './support/worker';

let served: Awaited<ReturnType<typeof startServedApp>>;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let deliver: AppWorker['deliver'];

beforeAll(async () => {
  served = await startServedApp();
  context = await launchChromium();
  await context.grantPermissions(['notifications'], { origin: served.origin });
  ({ page, cdp, deliver } = await openAppWithWorker(context, served.origin));
  // What the open tab hears from the worker.
  await page.evaluate(() => {
    (window as unknown as { heard: unknown[] }).heard = [];
    navigator.serviceWorker.addEventListener('message', (e) => (window as unknown as { heard: unknown[] }).heard.push(e.data));
  });
});

afterAll(async () => {
  await context?.close();
  await served?.close();
});

function notifications(): Promise<ShownNotification[]> {
  return page.evaluate(readShownNotifications);
}

// Rings, their end and the seed's pushes reach Chromium over the real push path
// (chromium-ringing.e2e.test.ts). What stays here is what that path cannot send.
describe('a push handed to the worker in Chromium', () => {
  it('shows a notification even for a push it cannot read', async () => {
    const before = (await notifications()).length;
    await deliver({ hello: 'world' });
    await until(notifications, (n) => n.length > before, 'a notification for an unknown push');
  });
});

describe('the installed app', () => {
  it('passes Chromium’s installability checks', async () => {
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  });

  it('opens offline, the call screen included', async () => {
    await context.setOffline(true);
    try {
      await page.goto(`${served.origin}/call/${encodeURIComponent('v1.us.offline')}?action=open`);
      // the app's own call screen, not the browser's offline error page
      await page.locator('[data-phase="unknown"]').waitFor();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Call not found');
      await page.goto(served.origin);
      await page.locator('[data-ringing-state]').waitFor();
    } finally {
      await context.setOffline(false);
    }
  });
});
