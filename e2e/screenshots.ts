/**
 * `npm run screenshots`: the home screen in each state of the enable-ringing
 * flow, as Debian's chromium renders it, into docs/screenshots/ for the README.
 * "On" is shot in a Chromium that really is on: subscribed through the
 * loopback stand-in of Google's push service, the sender holding the device.
 */
import type { Page } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { launchChromiumWithPush, startChromiumPushPath } from './support/chromium-push';
import { enableRingingViaUi } from './support/ringing';
import { startServedApp } from './support/served-app';
import { emulateDevice, IPHONE_SAFARI_17, signIn } from './support/app-ui';

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;

const served = await startServedApp();
const context = await launchChromium();
try {
  const shoot = async (name: string, setup: (page: Page) => Promise<void>) => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 420, height: 760 });
    await setup(page);
    await page.screenshot({ path: `${OUT}${name}.png` });
    await page.close();
    console.log(`docs/screenshots/${name}.png`);
  };
  await shoot('signed-out', async (page) => {
    await page.goto(served.origin);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });
  await shoot('ready', async (page) => {
    await page.goto(served.origin);
    await signIn(page, 'Ada');
    await page.getByRole('button', { name: 'Enable ringing' }).waitFor();
  });
  await shoot('needs-install', async (page) => {
    await emulateDevice(page, IPHONE_SAFARI_17);
    await page.goto(served.origin);
    await page.locator('[data-ringing-state="needs-install"]').waitFor();
  });
  await shoot('install-guide', async (page) => {
    await emulateDevice(page, IPHONE_SAFARI_17);
    await page.goto(`${served.origin}/install`);
    await page.getByRole('heading', { name: 'Add RingKit to your Home Screen' }).waitFor();
  });
  await shoot('unsupported', async (page) => {
    await emulateDevice(page, { userAgent: IPHONE_SAFARI_17.userAgent + ' Instagram 335.0.3.18.97', maxTouchPoints: 5 });
    await page.goto(served.origin);
    await page.locator('[data-ringing-state="unsupported"]').waitFor();
  });
  await context.clearPermissions();
  await shoot('blocked', async (page) => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: served.origin });
    await page.goto(served.origin);
    await page.locator('[data-ringing-state="blocked"]').waitFor();
  });
} finally {
  await context.close();
  await served.close();
}

const path = await startChromiumPushPath();
try {
  const chromium = await launchChromiumWithPush(path.google, path.sender.origin);
  try {
    const page = await chromium.openPage(path.sender.origin);
    await page.setViewport({ width: 420, height: 760 });
    await enableRingingViaUi(page, 'Ada');
    await page.screenshot({ path: `${OUT}on.png` });
    console.log('docs/screenshots/on.png');
  } finally {
    await chromium.close();
  }
} finally {
  await path.close();
}
