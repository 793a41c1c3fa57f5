/**
 * The enable-ringing flow in a real Firefox over a real push path: the device
 * list, a device the sender lost coming back on the next app start, "Stop
 * ringing on this device", and notifications blocked.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAutopushService, type AutopushService } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { enableRingingViaUi, endpointIn, storedSubscriptionConfig, until } from './support/ringing';
import { startSenderApp, type SenderApp } from './support/sender-app';

let push: AutopushService;
let sender: SenderApp;
const launched: FirefoxBrowser[] = [];

beforeAll(async () => {
  push = await startAutopushService();
  sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname });
});
afterEach(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await sender?.stop();
  await push?.close();
});

async function openApp(prefs: Record<string, unknown> = {}): Promise<Page> {
  const ff = await launchFirefox(push.serverURL, prefs);
  launched.push(ff);
  return ff.openPage(sender.origin);
}

const ringingState = (page: Page) => page.evaluate(() => document.querySelector('[data-ringing-state]')?.getAttribute('data-ringing-state'));
const button = (text: string) => `::-p-xpath(//button[normalize-space(.)=${JSON.stringify(text)}])`;
const sessionToken = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem('ringkit.session') ?? '{}') as { token?: string }).token);

describe('ringing on a Firefox device', () => {
  it('lists this Firefox among the user\'s devices once ringing is on', async () => {
    const page = await openApp();
    await enableRingingViaUi(page, 'Fay');
    const item = await until('the device list', () => page.evaluate(() => document.querySelector('.devices li')?.textContent ?? ''), (t) => t.includes('this device'));
    expect(item).toMatch(/^Firefox \d+ on Linuxthis deviceAdded .* · No call has rung it yet$/);
  });

  it('comes back by itself on the next app start when the sender lost the device', async () => {
    const page = await openApp();
    const endpoint = await enableRingingViaUi(page, 'Gus');
    // The sender forgets the device (as after a purge); the browser still holds its subscription.
    await sender.api('/api/push/subscriptions', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await sessionToken(page)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint }),
    });
    expect(await sender.devicesOf('gus')).toEqual([]);

    await page.reload();
    await until('the ringing card', () => ringingState(page), (s) => s === 'on');
    expect((await sender.devicesOf('gus')).map((d) => d.endpoint)).toEqual([endpoint]);
    expect(await sender.ring({ recipientUid: 'gus', sessionId: 'v1.eu.back', callerName: 'Bob', callerUid: 'bob', callType: 'audio' })).toMatchObject({ devices: 1, delivered: 1 });
  });

  it('"Stop ringing on this device" unsubscribes it and removes it from the sender', async () => {
    const page = await openApp();
    await enableRingingViaUi(page, 'Hal');
    await page.locator(button('Stop ringing on this device')).click();
    await until('the ringing card', () => ringingState(page), (s) => s === 'ready');
    // The device list follows without a reload.
    await until('the device list', () => page.evaluate(() => document.body.textContent ?? ''), (t) => t.includes('No device rings for you yet.'));
    expect(await endpointIn(page)).toBeNull();
    expect(await storedSubscriptionConfig(page)).toBeNull();
    expect(await sender.devicesOf('hal')).toEqual([]);
    expect(await sender.ring({ recipientUid: 'hal', sessionId: 'v1.eu.gone', callerName: 'Bob', callerUid: 'bob', callType: 'audio' })).toMatchObject({ devices: 0 });
  });

  it('with notifications blocked, shows Firefox\'s steps to allow them and subscribes nothing', async () => {
    const page = await openApp({ 'permissions.default.desktop-notification': 2 });
    await until('the ringing card', () => ringingState(page), (s) => s === 'blocked');
    const text = await page.evaluate(() => document.querySelector('[data-ringing-state]')?.textContent ?? '');
    expect(text).toContain('Notifications are blocked');
    expect(text).toContain('clear "Blocked" next to Send Notifications');
    expect(await endpointIn(page)).toBeNull();
  });
});
