/**
 * The /compat page in Firefox ESR, its push client on the loopback autopush
 * service and the real sender process behind the app: here a test ring
 * arrives for real, so its timings are measured end to end.
 */
import type { Page } from 'puppeteer-core';
import type { CompatReport } from '../../src/compat/report';
import { startAutopushService, type AutopushService } from './autopush-service';
import { readReport, signInOnCompat, testRingState } from './compat-page';
import { launchFirefox, type FirefoxBrowser } from './firefox';
import { startSenderApp, type SenderApp } from './sender-app';

export interface FirefoxRig {
  push: AutopushService;
  sender: SenderApp;
  launch(): Promise<FirefoxBrowser>;
  close(): Promise<void>;
}

export async function startFirefoxRig(): Promise<FirefoxRig> {
  const push = await startAutopushService();
  const sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname }).catch(async (error: unknown) => {
    await push.close();
    throw error;
  });
  const launched: FirefoxBrowser[] = [];
  return {
    push,
    sender,
    async launch() {
      const ff = await launchFirefox(push.serverURL);
      launched.push(ff);
      return ff;
    },
    async close() {
      await Promise.all(launched.splice(0).map((b) => b.close()));
      await sender.stop();
      await push.close();
    },
  };
}

const button = (text: string): string => `::-p-xpath(//button[normalize-space(.)=${JSON.stringify(text)}])`;

/** As a user does on /compat (in Firefox, or a Chromium on the real push path): sign in, enable ringing, send a test ring; the page and its report once the ring is measured. */
export async function testRingOnCompat(browser: { openPage(url: string): Promise<Page> }, origin: string, name: string): Promise<{ page: Page; report: CompatReport }> {
  const page = await browser.openPage(`${origin}/compat`);
  await signInOnCompat(page, name);
  if ((await testRingState(page)) === 'ready') await page.locator(button('Enable ringing')).click();
  const state = await testRingState(page);
  if (state !== 'on') throw new Error(`ringing did not turn on: the test-ring card is ${state}`);
  await page.locator(button('Send a test ring')).click();
  await page.waitForSelector('[data-test-ring]', { timeout: 30_000 });
  return { page, report: await readReport(page) };
}
