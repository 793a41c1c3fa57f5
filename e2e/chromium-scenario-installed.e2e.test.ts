/**
 * The incoming-call scenario with RingKit installed as a web app, over the
 * real push path of chromium-ringing.e2e.test.ts (sender → egress proxy →
 * loopback Google push service → Chromium's GCM client → worker) and a
 * desktop notification server on D-Bus, which shows what a Linux user sees.
 *
 * What Chromium 156 does with `scenario: "incoming-call"` (its source, and
 * measured here):
 * - chrome/browser/notifications/platform_notification_service_impl.cc,
 *   CreateNotificationFromData: with the IncomingCallNotifications feature and
 *   a notification asking for the scenario, it appends its own "Close" button
 *   to the site's actions, and sets the INCOMING_CALL scenario only when
 *   IsActivelyInstalledWebAppScope(the worker's scope): for an installed app.
 * - chrome/browser/notifications/notification_platform_bridge_linux.cc never
 *   reads the scenario: on Linux the installed app's ring looks and sounds as
 *   the uninstalled one's (Accept, Decline, Close; no ringtone). Of its
 *   notification bridges, Windows' (notification_template_builder.cc: a toast
 *   with scenario="incomingCall") is the one that rings by itself.
 * - content/browser/notifications/notification_database_conversions.cc stores
 *   no scenario, so getNotifications() reads every notification back as
 *   "default", installed or not: the worker cannot learn that a ring rings by
 *   itself, and the open page keeps ringing.
 * - The Close button is one more action button to the Linux bridge: pressing
 *   it fires notificationclick with no action, as a click on the body does.
 */
import type { CDPSession, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSite, launchChromiumWithPush, startChromiumPushPath, type ChromiumBrowser, type ChromiumPushPath } from './support/chromium-push';
import type { DesktopNotification } from './support/notification-daemon';
import { callScreenOpened, enableRingingViaUi, listenToWorker, newCall, notificationsIn, until } from './support/ringing';

const FLAG = '--enable-features=IncomingCallNotifications';

let path: ChromiumPushPath;
const launched: ChromiumBrowser[] = [];

beforeAll(async () => {
  path = await startChromiumPushPath();
});
afterAll(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
  await path?.close();
});

interface Callee {
  uid: string;
  chromium: ChromiumBrowser;
  page: Page;
  endpoint: string;
}

/** A callee's Chromium (with `args`) with the app open in front, signed in as uid, ringing enabled through the app's UI. */
async function calleeWithRinging(uid: string, args: string[]): Promise<Callee> {
  const chromium = await launchChromiumWithPush(path.google, path.sender.origin, args);
  launched.push(chromium);
  const page = await chromium.openPage(path.sender.origin);
  const endpoint = await enableRingingViaUi(page, uid);
  await path.google.waitFor('Chromium to be connected', () => (path.google.isConnected(endpoint) ? true : undefined));
  return { uid, chromium, page, endpoint };
}

/** The app's manifest id as Chromium resolves it: the manifest says `"id": "/"`. */
const manifestId = () => `${path.sender.origin}/`;

/** What PWA.getOsAppState answers for the app: its state once installed, the protocol's error before. */
async function osAppState(cdp: CDPSession): Promise<unknown> {
  return cdp.send('PWA.getOsAppState', { manifestId: manifestId() }).catch((error: Error) => ({ error: error.message }));
}

/** The desktop's ring, once Chromium has shown it and the worker's push event is over. */
async function ringOnDesktop(callee: Callee, callerName: string): Promise<{ sessionId: string; shown: DesktopNotification }> {
  const ring = newCall(callee.uid, { callerName });
  const start = Date.now();
  expect(await path.sender.ring(ring)).toMatchObject({ delivered: 1 });
  const shown = await callee.chromium.desktop.waitFor(`Incoming call from ${callerName}`, { since: start });
  const message = path.google.messages.filter((m) => m.token === path.google.tokenOf(callee.endpoint)).at(-1)!;
  expect((await callee.chromium.pushEventCompleted(message.persistentId)).status).toBe('Success');
  return { sessionId: ring.sessionId, shown };
}

/** The app page's ringer: whether its dialog is up, what it says about sound, and whether its ringtone is playing. */
function pageRinger(page: Page): Promise<{ dialog: boolean; sound: string | null; playing: number }> {
  return page.evaluate(() => {
    const root: Document | ShadowRoot = document.querySelector('ringkit-ringer')?.shadowRoot ?? document;
    const dialog = root.querySelector('[role=alertdialog]');
    const audios = new Set([...document.querySelectorAll('audio'), ...root.querySelectorAll('audio')]);
    const playing = [...audios].filter((a) => !a.paused && a.currentTime > 0).length;
    return { dialog: dialog !== null, sound: dialog?.getAttribute('data-sound') ?? null, playing };
  });
}

/** The phase of the call screen a click opened for `sessionId` with `action`, once it has read the call log. */
async function callScreenPhase(callee: Callee, sessionId: string, action: string): Promise<string | null> {
  const target = await callee.chromium.browser.waitForTarget((t) => t.url().includes(`/call/${encodeURIComponent(sessionId)}`));
  expect(new URL(target.url()).searchParams.get('action')).toBe(action);
  const screen = (await target.page())!;
  const phase = await screen.waitForFunction(() => {
    const p = document.querySelector('[data-phase]')?.getAttribute('data-phase');
    return p && p !== 'loading' ? p : null;
  });
  return (await phase.jsonValue()) as string | null;
}

/** The labels of the ring's buttons on the desktop, in order (Activate and Settings are Chromium's own on Linux). */
const labels = (n: DesktopNotification) => n.actions.map((a) => a.label);

describe(`Chromium with ${FLAG}, RingKit installed`, () => {
  let callee: Callee;
  let cdp: CDPSession;
  beforeAll(async () => {
    callee = await calleeWithRinging('ivy', [FLAG]);
    cdp = await callee.page.createCDPSession();
  });

  it('installs the app for real: Chromium knows it by its manifest id only afterwards', async () => {
    expect(await callee.page.evaluate(() => 'scenario' in Notification.prototype)).toBe(true);
    expect(await osAppState(cdp)).toEqual({ error: expect.stringContaining('Unknown web-app manifest id') });
    await cdp.send('PWA.install', { manifestId: manifestId(), installUrlOrBundleUrl: `${path.sender.origin}/` });
    expect(await osAppState(cdp)).toEqual({ badgeCount: 0, fileHandlers: [] });
  });

  let ringing: { sessionId: string; shown: DesktopNotification };
  let heard: Awaited<ReturnType<typeof listenToWorker>>;
  it('a call rings with the incoming-call scenario: Accept, Decline and Chromium\'s own Close, on screen until answered', async () => {
    heard = await listenToWorker(callee.page);
    ringing = await ringOnDesktop(callee, 'Ada Lovelace');
    const { shown } = ringing;
    expect(shown).toMatchObject({ title: 'Incoming call from Ada Lovelace', body: fromSite(path.sender.origin, 'Audio call'), expireTimeout: 0 });
    // Close is there only because Chromium got the scenario (without the flag: see below).
    expect(labels(shown)).toEqual(['Accept', 'Decline', 'Close', 'Activate', 'Settings']);
    // Critical, as every ring that must stay (requireInteraction); no sound of its own on Linux.
    expect(shown.hints).toMatchObject({ urgency: 2 });
    expect(Object.keys(shown.hints).filter((k) => k.startsWith('sound') || k === 'suppress-sound')).toEqual([]);

    const [listed] = await until('the worker to list it', () => notificationsIn(callee.page), (n) => n.length === 1);
    expect(listed).toMatchObject({
      tag: `call-${ringing.sessionId}`,
      requireInteraction: true,
      actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }],
      data: expect.objectContaining({ kind: 'ringing', sessionId: ringing.sessionId }),
    });
    // Chromium's notification database keeps no scenario: installed or not, it reads back "default".
    const scenarios = await callee.page.evaluate(async () =>
      (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => (n as Notification & { scenario?: string }).scenario),
    );
    expect(scenarios).toEqual(['default']);
  });

  it('the open page rings once: its ringer plays, as the notification has no ringtone here and the worker does not silence it', async () => {
    const messages = await until('the page to be told', heard, (h) => h.some((m) => m.type === 'incoming_call'));
    const told = messages.find((m) => m.type === 'incoming_call') as unknown as Record<string, unknown>;
    expect(told).toMatchObject({ payload: expect.objectContaining({ sessionId: ringing.sessionId }) });
    expect(told).not.toHaveProperty('notificationRings');
    const ringer = await until('the page to ring', () => pageRinger(callee.page), (r) => r.playing > 0);
    expect(ringer).toEqual({ dialog: true, sound: 'playing', playing: 1 });
  });

  it("Chromium's Close is a click without an action: the worker opens the call, neither answering nor declining it", async () => {
    callee.chromium.desktop.click('Incoming call from Ada Lovelace', 'Close');
    // The call screen offers the call still ringing, as a click on the ring's body does.
    expect(await callScreenPhase(callee, ringing.sessionId, 'open')).toBe('ringing');
    // The caller gives up; the next call starts from a clean desktop and no call screen.
    await path.sender.cancel(ringing.sessionId, callee.uid);
    await callee.chromium.desktop.waitForScreen(['Missed call from Ada Lovelace']);
    callee.chromium.desktop.dismiss('Missed call from Ada Lovelace');
    for (const page of await callee.chromium.browser.pages()) if (page.url().includes('/call/')) await page.close();
  });

  it('Accept on the desktop opens the call screen and takes the ring off the screen', async () => {
    const { sessionId } = await ringOnDesktop(callee, 'Grace Hopper');
    callee.chromium.desktop.click('Incoming call from Grace Hopper', 'Accept');
    await callScreenOpened(callee.chromium, sessionId, 'Grace Hopper');
    await callee.chromium.desktop.waitForScreen([]);
  });
});

describe('Chromium without the flag, on the same path', () => {
  let callee: Callee;
  let sessionId: string;
  it('rings with Accept and Decline only', async () => {
    callee = await calleeWithRinging('jay', []);
    expect(await callee.page.evaluate(() => 'scenario' in Notification.prototype)).toBe(false);
    const ring = await ringOnDesktop(callee, 'Ada Lovelace');
    sessionId = ring.sessionId;
    expect(labels(ring.shown)).toEqual(['Accept', 'Decline', 'Activate', 'Settings']);
    expect(ring.shown).toMatchObject({ expireTimeout: 0, hints: expect.objectContaining({ urgency: 2 }) });
  });

  it('a click on the ring itself opens the call, still there to answer', async () => {
    callee.chromium.desktop.click('Incoming call from Ada Lovelace');
    expect(await callScreenPhase(callee, sessionId, 'open')).toBe('ringing');
  });
});
