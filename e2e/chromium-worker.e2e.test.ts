/**
 * The worker side of ringing in a real Chromium: pushes handed to the worker
 * over CDP (support/worker.ts); from there on, everything is the real worker,
 * notification and page.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEndedPayload, IncomingCallPayload } from '../protocol/payload';
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

const ring = (sessionId: string): IncomingCallPayload => ({
  type: 'incoming_call', v: 1, sessionId, callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'video',
  timestamp: Date.now(), ringUntil: Date.now() + 30_000, declineToken: 'decline.token.x',
});

describe('a ring delivered to the worker in Chromium', () => {
  it('shows a ringing notification with Accept and Decline, and tells the open tab', async () => {
    await deliver(ring('v1.us.one'));
    const [shown] = await until(notifications, (n) => n.length === 1, 'the ringing notification');
    expect(shown).toMatchObject({
      title: 'Incoming call from Ada Lovelace',
      body: 'Video call',
      requireInteraction: true,
      actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }],
    });
    expect(shown!.tag).toContain('v1.us.one');
    const heard = await until(() => page.evaluate(() => (window as unknown as { heard: { type: string }[] }).heard), (h) => h.length > 0, 'a message in the tab');
    expect(heard[0]).toMatchObject({ type: 'incoming_call', payload: { sessionId: 'v1.us.one', callerName: 'Ada Lovelace' } });
  });

  it('replaces the ringing notification when the call ends, and tells the tab', async () => {
    const ended: CallEndedPayload = { type: 'call_ended', v: 1, sessionId: 'v1.us.one', reason: 'cancelled', timestamp: Date.now() };
    await deliver(ended);
    const shown = await until(notifications, (n) => n.length === 1 && n[0]!.title.startsWith('Missed call'), 'the missed-call notification');
    expect(shown[0]).toMatchObject({ title: 'Missed call from Ada Lovelace', requireInteraction: false, actions: [] });
    const heard = await until(() => page.evaluate(() => (window as unknown as { heard: { type: string }[] }).heard), (h) => h.some((m) => m.type === 'call_ended'), 'call_ended in the tab');
    expect(heard.find((m) => m.type === 'call_ended')).toMatchObject({ sessionId: 'v1.us.one', reason: 'cancelled' });
  });

  it('rings for a push sent with only the seed template fields', async () => {
    await deliver({ type: 'incoming_call', sessionId: 'seed-1', callerName: 'Grace', callerUid: 'grace', callType: 'audio', timestamp: Date.now() });
    const shown = await until(notifications, (n) => n.some((x) => x.title === 'Incoming call from Grace'), 'the seed ring');
    expect(shown.find((x) => x.title === 'Incoming call from Grace')).toMatchObject({ body: 'Audio call', requireInteraction: true });
  });

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
