/**
 * The states a real Firefox reaches over the loopback push path
 * (support/autopush-service.ts): the accessibility suite checks each with
 * axe-core and `npm run screenshots` photographs each. Ringing really turns
 * on here, and a call really rings, which Chromium cannot do offline.
 */
import type { Page } from 'puppeteer-core';
import type { AutopushService } from './autopush-service';
import { launchFirefox, type FirefoxBrowser } from './firefox';
import { enableRingingViaUi, until } from './ringing';
import type { SenderApp } from './sender-app';

export type ColorScheme = 'light' | 'dark';

/** Firefox's own switch for what pages see as prefers-color-scheme (0 dark, 1 light). */
const schemePrefs = (scheme: ColorScheme) => ({ 'layout.css.prefers-color-scheme.content-override': scheme === 'dark' ? 0 : 1 });

const shows = (page: Page, selector: string) => page.waitForSelector(selector, { timeout: 20_000 }).then(() => undefined);

/**
 * Opens each state in turn and hands it to `visit` (which may resize and
 * look); the browsers are closed afterwards. `uid` keeps runs apart on one sender.
 */
export async function visitFirefoxStates(
  push: AutopushService,
  sender: SenderApp,
  scheme: ColorScheme,
  uid: string,
  visit: (state: string, page: Page) => Promise<void>,
): Promise<void> {
  const browsers: FirefoxBrowser[] = [];
  const launch = async (prefs: Record<string, unknown> = {}) => {
    const ff = await launchFirefox(push.serverURL, { ...schemePrefs(scheme), ...prefs });
    browsers.push(ff);
    return ff;
  };
  try {
    const ff = await launch();
    const page = await ff.openPage(sender.origin);
    await shows(page, '[data-ringing-state="ready"]');
    await visit('signed-out', page);
    await enableRingingViaUi(page, uid);
    await visit('on', page);
    const sessionId = `v1.eu.states-${uid}-${Date.now().toString(36)}`;
    await sender.ring({ recipientUid: uid, sessionId, callerName: 'Grace Hopper', callerUid: 'grace', callType: 'video' });
    await shows(page, '[role=alertdialog]');
    await visit('ringing', page);
    await sender.cancel(sessionId, uid);
    await until('the ringer gone', () => page.evaluate(() => document.querySelector('[role=alertdialog]') === null), Boolean);

    for (const [state, path, selector] of [
      ['compat', '/compat', '.checks li'],
      ['install', '/install', '.install h1'],
      ['embed', '/embed', 'ringkit-ringer'],
      ['call-unknown', '/call/v1.eu.never-rang?action=open', 'main h1'],
    ] as const) {
      const other = await ff.openPage(sender.origin + path);
      await shows(other, selector);
      if (state === 'compat') await shows(other, '[data-test-ring-state="on"]');
      await visit(state, other);
      await other.close();
    }

    const blocked = await (await launch({ 'permissions.default.desktop-notification': 2 })).openPage(sender.origin);
    await shows(blocked, '[data-ringing-state="blocked"]');
    await visit('blocked', blocked);
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
  }
}
