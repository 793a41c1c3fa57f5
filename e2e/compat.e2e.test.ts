/**
 * The /compat page in real browsers. Chromium: its verdict and checks agree
 * with what the browser itself exposes, the report downloads as valid JSON,
 * and an offline Chromium's failed subscription is reported as such. Firefox:
 * the test ring goes through the sender and a loopback push service to the
 * browser for real, and its timings are shown; so it does for a Chromium whose
 * push client is on the loopback stand-in of Google's push service.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompatReport } from '../src/compat/report';
import { launchChromium } from './support/chromium';
import { launchChromiumWithPush, startChromiumPushPath, type ChromiumBrowser, type ChromiumPushPath } from './support/chromium-push';
import { startFirefoxRig, testRingOnCompat, type FirefoxRig } from './support/compat-firefox';
import { readReport, signInOnCompat, testRingState } from './support/compat-page';
import { endpointIn, notificationsIn, until } from './support/ringing';
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

async function openCompat(setup?: (context: BrowserContext) => Promise<void>, args: string[] = []): Promise<Page> {
  context = await launchChromium(args);
  await setup?.(context);
  page = await context.newPage();
  await page.goto(`${served.origin}/compat`);
  return page;
}
const check = (report: CompatReport, id: string) => report.checks.find((c) => c.id === id)!;
const shownCheck = (id: string) => page.locator(`[data-check="${id}"]`);

describe('the /compat page in Chromium', () => {
  it("shows a verdict and checks that match what the browser exposes", async () => {
    await openCompat();
    const report = await readReport(page);
    const seen = await page.evaluate(() => ({
      maxActions: (Notification as unknown as { maxActions?: number }).maxActions,
      pushManager: 'PushManager' in window,
      encodings: (PushManager as unknown as { supportedContentEncodings?: string[] }).supportedContentEncodings,
      permission: Notification.permission,
      secure: isSecureContext,
      badging: 'setAppBadge' in navigator,
    }));
    expect(seen.maxActions).toBeGreaterThanOrEqual(2);
    expect(report.verdict.kind).toBe('rings-with-actions');
    expect(await page.locator('[data-verdict] h1').innerText()).toBe('This browser rings with Accept/Decline');

    expect(check(report, 'actions')).toMatchObject({ status: 'pass', source: 'measured', observed: `Notification.maxActions = ${seen.maxActions}` });
    expect(check(report, 'push-manager').status).toBe(seen.pushManager ? 'pass' : 'fail');
    expect(check(report, 'content-encoding')).toMatchObject({ status: 'pass', observed: `supportedContentEncodings = [${seen.encodings!.join(', ')}]` });
    expect(check(report, 'permission').observed).toBe(`Notification.permission = ${seen.permission}`);
    expect(check(report, 'secure-context').status).toBe(seen.secure ? 'pass' : 'fail');
    // Ringing does without a badge: its absence is "not needed", not a limitation.
    expect(check(report, 'badging').status).toBe(seen.badging ? 'pass' : 'info');
    expect(check(report, 'service-worker').status).toBe('pass');
    // Which ring it gets: a notification with Accept/Decline, measured; no incoming-call scenario without the flag.
    expect(report.ring).toMatchObject({ kind: 'actions', source: 'measured' });
    expect(check(report, 'incoming-call')).toMatchObject({ status: 'info', observed: "'scenario' in Notification.prototype = false" });
    expect(check(report, 'declarative-push').status).toBe('info');
    expect(await page.locator('[data-ring]').innerText()).toContain('Ring: Notification with Accept/Decline.');
    expect(report.platform).toMatchObject({ browser: 'chrome', os: 'linux', standalone: false });

    // What the page cannot detect is shown as documented, on screen too.
    expect(await shownCheck('require-interaction').getAttribute('data-source')).toBe('documented');
    expect(await shownCheck('require-interaction').innerText()).toContain("from the browser's documentation, not measured here");
    expect(await shownCheck('actions').innerText()).not.toContain('not measured');
    expect(await shownCheck('actions').getAttribute('data-status')).toBe('pass');
  });

  it('with --enable-features=IncomingCallNotifications, measures the incoming-call scenario and says installing makes the ring a call', async () => {
    await openCompat(undefined, ['--enable-features=IncomingCallNotifications']);
    const report = await readReport(page);
    expect(check(report, 'incoming-call')).toMatchObject({ status: 'pass', source: 'measured', observed: "'scenario' in Notification.prototype = true" });
    // In a tab, Chromium shows the scenario as a plain notification (installed web apps only).
    expect(report.ring).toMatchObject({ kind: 'actions', source: 'measured' });
    expect(report.ring.detail).toContain('Installed, this browser shows it as an incoming call');
  });

  it('says it cannot ring once notifications are blocked', async () => {
    await openCompat(async (ctx) => {
      const cdp = await ctx.newCDPSession(await ctx.newPage());
      await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: served.origin });
    });
    const report = await readReport(page);
    expect(report.verdict).toMatchObject({ kind: 'blocked', headline: 'Cannot ring until notifications are allowed' });
    expect(check(report, 'permission')).toMatchObject({ status: 'fail', observed: 'Notification.permission = denied' });
  });

  it('downloads the report as JSON, the same the page shows, with the app version', async () => {
    await openCompat();
    const shown = await readReport(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download report' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^ringkit-compat-chrome-\d+-linux-\d{4}-\d\d-\d\d\.json$/);
    const downloaded = JSON.parse(readFileSync((await download.path())!, 'utf8')) as CompatReport;
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(downloaded).toMatchObject({ report: 'ringkit-compat', app: { name: 'RingKit', version }, testRing: null });
    expect(downloaded.checks).toEqual(shown.checks);
    expect(downloaded.verdict).toEqual(shown.verdict);
  });

  it("reports a subscription Chromium cannot make offline (Google's push service), and offers no test ring", async () => {
    await openCompat(async (ctx) => ctx.grantPermissions(['notifications'], { origin: served.origin }));
    await signInOnCompat(page, 'Ada');
    expect(await testRingState(page)).toBe('ready');
    await page.getByRole('button', { name: 'Enable ringing' }).click();
    // Chromium's subscribe never settles without Google's push service: the flow gives up after 15 s.
    expect(await testRingState(page, 25_000)).toBe('error');
    expect(await page.getByRole('button', { name: 'Send a test ring' }).count()).toBe(0);
    // The subscription check follows the flow's state a moment later.
    await expect.poll(async () => check(await readReport(page), 'push-subscription').status).toBe('fail');
    const report = await readReport(page);
    expect(check(report, 'push-subscription')).toMatchObject({ status: 'fail', observed: expect.stringContaining('subscribe failed') });
    expect(check(report, 'push-subscription').meaning).toContain("Google's push service (FCM)");
    expect(report.verdict.detail).toContain("Google's push service");
  }, 45_000);
});

describe('the /compat page in Firefox', () => {
  let rig: FirefoxRig;
  beforeAll(async () => {
    rig = await startFirefoxRig();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('sends a test ring that arrives for real, shows its timings and actions, then closes it', async () => {
    const ff = await rig.launch();
    const { page, report } = await testRingOnCompat(ff, rig.sender.origin, 'Tess');
    const seen = await page.evaluate(() => ({
      maxActions: (Notification as unknown as { maxActions?: number }).maxActions,
      encodings: (PushManager as unknown as { supportedContentEncodings?: string[] }).supportedContentEncodings,
      permission: Notification.permission,
    }));

    expect(report.platform).toMatchObject({ browser: 'firefox', os: 'linux' });
    expect(report.verdict.kind).toBe('rings-with-actions');
    const actions = check(report, 'actions');
    if (seen.maxActions === undefined) expect(actions).toMatchObject({ status: 'pass', source: 'documented' });
    else expect(actions).toMatchObject({ status: seen.maxActions >= 2 ? 'pass' : 'limited', observed: `Notification.maxActions = ${seen.maxActions}` });
    expect(check(report, 'content-encoding').status).toBe(seen.encodings?.includes('aes128gcm') ? 'pass' : 'info');
    expect(check(report, 'permission').observed).toBe(`Notification.permission = ${seen.permission}`);
    // Windows only, as documented: Firefox on Linux lets a notification time out.
    expect(check(report, 'require-interaction')).toMatchObject({ status: 'limited', source: 'documented' });
    expect(check(report, 'push-subscription')).toMatchObject({ status: 'pass', observed: `subscribed at ${rig.push.origin}` });

    // The ring went through the push service to this browser, which acknowledged it.
    const endpoint = (await endpointIn(page))!;
    const delivered = rig.push.messages.filter((m) => m.channelID === rig.push.channelOf(endpoint));
    expect(delivered).toHaveLength(1);
    await rig.push.waitFor('the test ring to be acknowledged', () => delivered[0]!.ackedAt);

    const ring = report.testRing;
    if (ring?.status !== 'arrived') throw new Error(`the test ring did not arrive: ${JSON.stringify(ring)}`);
    expect(ring.callerName).toBe('RingKit test ring');
    expect(ring.sessionId).toMatch(/^test\./);
    expect(ring.carriedActions).toBe(true);
    expect(ring.notification).toMatchObject({ title: 'Incoming call from RingKit test ring', actions: ['accept', 'decline'] });
    const { requestToPush, pushToShown, shownToPage, total } = ring.latency!;
    for (const step of [requestToPush, pushToShown, shownToPage]) expect(step).toBeGreaterThanOrEqual(0);
    expect(requestToPush + pushToShown + shownToPage).toBe(total);

    // On screen: each step in ms, and the actions the notification carried.
    const timings = await page.$$eval('[data-timing]', (els) => els.map((e) => [e.getAttribute('data-timing'), e.textContent]));
    expect(Object.fromEntries(timings)).toEqual({
      requestToPush: `${requestToPush} ms`,
      pushToShown: `${pushToShown} ms`,
      shownToPage: `${shownToPage} ms`,
      total: `${total} ms`,
      senderAnswer: `${ring.senderAnswerMs} ms`,
    });
    expect(await page.$eval('[data-carried-actions]', (e) => e.textContent)).toBe('actions: accept, decline');

    // The test notification is gone, from the worker's list and from the screen.
    expect((await notificationsIn(page)).filter((n) => n.data.sessionId === ring.sessionId)).toEqual([]);
    await until('the test alert to close', () => ff.alerts(), (alerts) => alerts.every((a) => a.title !== 'Incoming call from RingKit test ring'));
    // The page's own ringer rang for the test like for a call, and stopped with it.
    await until('the ringer to stop', () => page.evaluate(() => document.querySelector('[role="alertdialog"]') !== null), (ringing) => !ringing);
  }, 60_000);
});

describe('the /compat page in a Chromium on the real push path', () => {
  let path: ChromiumPushPath;
  let chromium: ChromiumBrowser | undefined;
  beforeAll(async () => {
    path = await startChromiumPushPath();
  });
  afterAll(async () => {
    await chromium?.close();
    await path?.close();
  });

  it("subscribes through Google's push service (the stand-in) and its test ring arrives, shown on the desktop, then closed", async () => {
    chromium = await launchChromiumWithPush(path.google, path.sender.origin);
    const { page: compat, report } = await testRingOnCompat(chromium, path.sender.origin, 'Tess');

    expect(report.verdict.kind).toBe('rings-with-actions');
    expect(check(report, 'push-subscription')).toMatchObject({ status: 'pass', observed: 'subscribed at https://jmt17.google.com' });
    const ring = report.testRing;
    if (ring?.status !== 'arrived') throw new Error(`the test ring did not arrive: ${JSON.stringify(ring)}`);
    expect(ring.carriedActions).toBe(true);
    // Delivered on Chromium's MCS connection, shown by the desktop with both buttons, and closed by the page.
    const endpoint = (await endpointIn(compat))!;
    expect(path.google.messages.filter((m) => m.token === path.google.tokenOf(endpoint)).map((m) => m.fate)).toEqual(['sent']);
    const shown = chromium.desktop.all.find((n) => n.title === 'Incoming call from RingKit test ring');
    expect(shown?.actions.map((a) => a.label)).toEqual(expect.arrayContaining(['Accept', 'Decline']));
    await until('the test notification to close', async () => chromium!.desktop.onScreen().map((n) => n.title), (titles) => !titles.includes('Incoming call from RingKit test ring'));
  }, 60_000);
});
