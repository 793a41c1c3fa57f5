/** Driving the app's home screen as a user does, and posing as other devices. */
import type { Page } from 'playwright-core';

export interface EmulatedDevice {
  userAgent: string;
  maxTouchPoints: number;
}

export const IPHONE_SAFARI_17: EmulatedDevice = {
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  maxTouchPoints: 5,
};

/** Chromium posing as another browser, before the page loads. */
export async function emulateDevice(page: Page, device: EmulatedDevice): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setUserAgentOverride', { userAgent: device.userAgent });
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: device.maxTouchPoints });
}

/** The development sign-in on the home screen. */
export async function signIn(page: Page, name: string): Promise<void> {
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${name}`).waitFor();
}
