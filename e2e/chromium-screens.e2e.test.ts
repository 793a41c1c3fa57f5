/**
 * What a person runs into on the app's screens in a real Chromium (issue 21):
 * /embed on a phone, the ringer element loaded the README's way, the device
 * list's names and its Remove, titles and focus on route changes.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from './support/app-ui';
import { launchChromium } from './support/chromium';
import { startServedApp } from './support/served-app';

let served: Awaited<ReturnType<typeof startServedApp>>;
let context: BrowserContext;

beforeAll(async () => {
  served = await startServedApp();
});
afterAll(async () => {
  await served?.close();
});
afterEach(async () => {
  await context?.close();
});

/** A fresh profile; every uncaught page error is collected. */
async function freshPage(): Promise<{ page: Page; errors: string[] }> {
  context = await launchChromium();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

describe('/embed', () => {
  it('fits a phone screen (the snippet scrolls in its own box, by keyboard too) and throws nothing', async () => {
    const { page, errors } = await freshPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${served.origin}/embed`);
    await page.waitForFunction(() => customElements.get('ringkit-ringer') !== undefined);
    await page.locator('ringkit-ringer').evaluate((el) => new Promise((r) => requestAnimationFrame(() => r(el))));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const snippet = page.getByLabel('The snippet to copy');
    expect(await snippet.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await snippet.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => snippet.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('the README\'s snippet (the element in the markup before its script) renders without an error', async () => {
    const { page, errors } = await freshPage();
    await page.route(`${served.origin}/host-page.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><title>host</title><ringkit-ringer ringtone-src="/ringtone.wav" sender-url="${served.origin}"></ringkit-ringer>
<script type="module" src="/ringer/ringkit-ringer.js"></script>`,
      }),
    );
    await page.goto(`${served.origin}/host-page.html`);
    await page.waitForFunction(() => document.querySelector('ringkit-ringer')?.shadowRoot?.querySelector('audio') != null);
    expect(errors).toEqual([]);
  });
});

describe('the device list', () => {
  it('tells two browsers of one kind apart and removes one only after a confirmation', async () => {
    await served.addDevice('dora');
    await served.addDevice('dora');
    const { page } = await freshPage();
    await page.goto(served.origin);
    await signIn(page, 'Dora');
    const items = page.locator('.devices li');
    await expect.poll(() => items.count()).toBe(2);
    const names = await items.locator('strong').allTextContents();
    expect(names.sort()).toEqual(['Unknown browser (1)', 'Unknown browser (2)']);
    expect(await items.first().innerText()).toMatch(/Added .*No call has rung it yet/);

    await page.getByRole('button', { name: 'Remove Unknown browser (1)' }).click();
    // Nothing is removed yet: the row asks, with Keep focused.
    expect((await served.store.listByUser('dora')).length).toBe(2);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Keep');
    await page.getByRole('button', { name: 'Keep' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Yes, remove' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Remove Unknown browser (1)' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByText('Unknown browser (1) was removed').waitFor();
    await expect.poll(() => items.count()).toBe(1);
    expect((await served.store.listByUser('dora')).length).toBe(1);
  });
});

describe('moving between screens', () => {
  it('gives every route its own title and moves focus to the new page’s heading', async () => {
    const { page } = await freshPage();
    await page.goto(served.origin);
    await expect.poll(() => page.title()).toBe('RingKit: calls that ring this device');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ring this device for calls');
    await page.getByRole('link', { name: 'Compatibility' }).click();
    await page.waitForURL(`${served.origin}/compat`);
    await expect.poll(() => page.title()).toBe('Browser compatibility · RingKit');
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await page.getByRole('link', { name: 'Install', exact: true }).click();
    await expect.poll(() => page.title()).toBe('Install · RingKit');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Install RingKit');
  });
});

describe('installing', () => {
  it('offers an Install button once Chromium offers installing (beforeinstallprompt), and shows the offer from the click', async () => {
    const { page } = await freshPage();
    await page.addInitScript(() => {
      const w = window as unknown as { prompted: number };
      w.prompted = 0;
      addEventListener('beforeinstallprompt', (e) => {
        (e as Event & { prompt(): Promise<void> }).prompt = async () => void w.prompted++; // no real dialog in a test
      });
    });
    await page.goto(served.origin);
    // The app's manifest and worker make Chromium offer installing, headless too.
    const install = page.getByRole('button', { name: 'Install app' });
    await install.waitFor();
    await install.click();
    expect(await page.evaluate(() => (window as unknown as { prompted: number }).prompted)).toBe(1);
    // An offer shows once.
    await expect.poll(() => install.count()).toBe(0);
  });

  it('/install on the desktop says installing is optional and offers it, never "Home Screen"', async () => {
    const { page } = await freshPage();
    await page.goto(`${served.origin}/install`);
    const card = page.locator('.install');
    expect(await card.getByRole('heading', { level: 1 }).textContent()).toBe('Install RingKit');
    await card.getByRole('button', { name: 'Install RingKit' }).waitFor();
    expect(await card.innerText()).toContain('Installing is optional here');
    expect(await card.innerText()).not.toContain('Home Screen');
  });
});

describe('the server out of reach, signed out', () => {
  it('says the server cannot be reached, not that turning ringing on failed, and Try again works once it answers', async () => {
    const { page } = await freshPage();
    await page.route('**/api/push/public-key', (route) => route.abort('internetdisconnected'));
    await page.goto(served.origin);
    const card = page.locator('[data-ringing-state]');
    await expect.poll(() => card.getAttribute('data-ringing-state')).toBe('error');
    expect(await card.getByRole('heading').textContent()).toBe('RingKit cannot reach its server');
    expect(await card.innerText()).not.toContain('could not be turned on');
    const retry = page.getByRole('button', { name: 'Try again' });
    expect(await retry.isEnabled()).toBe(true);
    await page.unroute('**/api/push/public-key');
    await retry.click();
    await expect.poll(() => card.getAttribute('data-ringing-state')).toBe('ready');
    expect(await card.innerText()).toContain('Sign in above first.');
  });
});
