/**
 * The enable-ringing flow's states in a real Chromium: what a newcomer sees
 * for each permission and platform, and that the browser's prompt waits for
 * the click. (Chromium cannot subscribe offline: the subscribed path runs in Firefox.)
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emulateDevice, IPHONE_SAFARI_17, signIn } from './support/app-ui';
import { launchChromium } from './support/chromium';
import { startServedApp } from './support/served-app';

let served: Awaited<ReturnType<typeof startServedApp>>;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  served = await startServedApp();
});
afterAll(async () => {
  await served?.close();
});
afterEach(async () => {
  await context?.close();
});

/** A fresh browser profile whose permission prompts are counted, not shown. */
async function freshBrowser(): Promise<Page> {
  context = await launchChromium();
  await context.addInitScript(() => {
    const w = window as unknown as { promptsAsked: number };
    w.promptsAsked = 0;
    if (!('Notification' in window)) return;
    const ask = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = (...args) => {
      w.promptsAsked++;
      return ask(...args);
    };
  });
  return context.newPage();
}
const promptsAsked = () => page.evaluate(() => (window as unknown as { promptsAsked: number }).promptsAsked);
const ringingCard = () => page.locator('[data-ringing-state]');

describe('a newcomer in Chromium', () => {
  it('is asked to sign in, then offered an Enable ringing button; the prompt never shows before the click', async () => {
    page = await freshBrowser();
    await page.goto(served.origin);
    await expect.poll(() => ringingCard().getAttribute('data-ringing-state')).toBe('ready');
    expect(await page.getByRole('button', { name: 'Enable ringing' }).isDisabled()).toBe(true);
    await signIn(page, 'Ada');
    const enable = page.getByRole('button', { name: 'Enable ringing' });
    await expect.poll(() => enable.isEnabled()).toBe(true);
    expect(await promptsAsked()).toBe(0);
    expect(await page.evaluate(() => Notification.permission)).toBe('default');

    await enable.click();
    await expect.poll(promptsAsked).toBe(1);
  });

  it('who blocked notifications gets the steps to allow them again, and no prompt', async () => {
    page = await freshBrowser();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: served.origin });
    await page.goto(served.origin);
    await expect.poll(() => ringingCard().getAttribute('data-ringing-state')).toBe('blocked');
    const text = await ringingCard().innerText();
    expect(text).toContain('Notifications are blocked');
    expect(text).toContain('Site settings → Notifications → Allow');
    expect(await page.getByRole('button', { name: 'Enable ringing' }).count()).toBe(0);
    expect(await promptsAsked()).toBe(0);
  });

  it('who allowed notifications but whose push service is out of reach is told what failed and what to try', async () => {
    page = await freshBrowser();
    await context.grantPermissions(['notifications'], { origin: served.origin });
    await page.goto(served.origin);
    await signIn(page, 'Ada');
    await page.getByRole('button', { name: 'Enable ringing' }).click();
    expect(await ringingCard().getAttribute('data-ringing-state')).toBe('enabling');
    // Chromium's subscribe never settles without Google's push service: the flow gives up after 15 s.
    await expect.poll(() => ringingCard().getAttribute('data-ringing-state'), { timeout: 25_000 }).toBe('error');
    expect(await page.getByRole('alert').innerText()).toContain("The browser's push service did not give this device a subscription");
    expect(await page.getByRole('button', { name: 'Try again' }).isEnabled()).toBe(true);
  }, 40_000);
});

describe('on other devices (Chromium posing as them)', () => {
  it('an iPhone in a Safari tab is guided to add RingKit to the Home Screen', async () => {
    page = await freshBrowser();
    await emulateDevice(page, IPHONE_SAFARI_17);
    await page.goto(served.origin);
    await expect.poll(() => ringingCard().getAttribute('data-ringing-state')).toBe('needs-install');
    await page.getByRole('button', { name: 'Show me how' }).click();
    await page.getByRole('heading', { name: 'Add RingKit to your Home Screen' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/install');
    expect(await page.locator('.steps').innerText()).toMatch(/Share[\s\S]*Add to Home Screen[\s\S]*Enable ringing/);
    expect(await promptsAsked()).toBe(0);
  });

  it('an iPhone on iOS 16.3 is told honestly that it cannot ring, and what to do', async () => {
    page = await freshBrowser();
    await emulateDevice(page, { userAgent: IPHONE_SAFARI_17.userAgent.replace('17_5', '16_3').replace('Version/17.5', 'Version/16.3'), maxTouchPoints: 5 });
    await page.goto(served.origin);
    await expect.poll(() => ringingCard().getAttribute('data-ringing-state')).toBe('unsupported');
    expect(await ringingCard().innerText()).toMatch(/iOS 16\.3[\s\S]*Software Update/);
  });

  it("Instagram's in-app browser is sent to a real browser", async () => {
    page = await freshBrowser();
    await emulateDevice(page, { userAgent: `${IPHONE_SAFARI_17.userAgent} Instagram 335.0.3.18.97`, maxTouchPoints: 5 });
    await page.goto(served.origin);
    await expect.poll(() => ringingCard().getAttribute('data-ringing-state')).toBe('unsupported');
    expect(await ringingCard().innerText()).toMatch(/Instagram's built-in browser[\s\S]*Open in Safari/);
  });
});
