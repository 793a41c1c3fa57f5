/**
 * The caller learns the callee's answer through CometChat: Firefox over the
 * real push path, the real Chat SDK in the page and the service worker's own
 * request, both against a loopback stand-in of CometChat's client API.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RingRequest } from '../protocol/api';
import { startCometChatClientApi, STAND_IN_APP_ID, STAND_IN_REGION, type ClientApiRequest, type CometChatClientApi } from '../test/support/cometchat-client-api';
import { startAutopushService, type AutopushService } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { enableRingingViaUi, until } from './support/ringing';
import { startSenderApp, type SenderApp } from './support/sender-app';

let push: AutopushService;
let sender: SenderApp;
let cometchat: CometChatClientApi;
let ff: FirefoxBrowser;
const ADA_TOKEN = 'ada-cometchat-auth-token';

beforeAll(async () => {
  push = await startAutopushService();
  cometchat = await startCometChatClientApi();
  cometchat.addUser('ada', ADA_TOKEN);
  // The app's CSP admits the stand-in, as it would a dedicated CometChat client host.
  sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname }, { RINGKIT_CONNECT_SRC: `https://${cometchat.clientHost.split('/')[0]}` });
  // The stand-in's certificate is the loopback test one: accepted as a test browser accepts it.
  ff = await launchFirefox(push.serverURL, {}, { acceptInsecureCerts: true });
});
afterAll(async () => {
  await ff?.close();
  await sender?.stop();
  await cometchat?.close();
  await push?.close();
});

let calls = 0;
const call = (): RingRequest => ({ recipientUid: 'ada', sessionId: `v1.us.answer.${Date.now().toString(36)}.${++calls}`, callerName: 'Grace', callerUid: 'grace', callType: 'audio' });

/** A tab of the app, configured as a host page configures RingKit for CometChat before it starts. */
async function appPage(path = '/'): Promise<Page> {
  const page = await ff.browser.newPage();
  await page.evaluateOnNewDocument(
    (config) => {
      (globalThis as { ringkitCometChat?: unknown }).ringkitCometChat = config;
      // A calls adapter that records when it joins (the real calls SDK needs CometChat's media servers).
      (globalThis as { ringkitCallsAdapter?: unknown }).ringkitCallsAdapter = {
        name: 'Test calls',
        missing: () => [],
        async join() {
          (globalThis as { joinedAt?: number }).joinedAt = Date.now();
          return { leave: async () => {} };
        },
      };
    },
    { appId: STAND_IN_APP_ID, region: STAND_IN_REGION, clientHost: cometchat.clientHost, authToken: ADA_TOKEN },
  );
  await page.goto(sender.origin + path);
  return page;
}

async function closeAppTabs(): Promise<void> {
  await ff.openPage(); // the browser itself stays open
  for (const page of await ff.browser.pages()) if (page.url().startsWith(sender.origin)) await page.close();
}

/** Rings Ada and waits until her notification is on screen. */
async function ringAda(): Promise<RingRequest> {
  const ring = call();
  const ringing = ff.waitForAlert('Incoming call from Grace');
  await sender.ring(ring);
  await ringing;
  return ring;
}

/** The call screen of a ring, as a click on its notification opens it. */
const callScreen = (ring: RingRequest) => appPage(`/call/${encodeURIComponent(ring.sessionId)}?action=open`);

/** The CometChat login the worker would use, as the app keeps it in IndexedDB (null when none). */
const storedCometChatLogin = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<unknown>((resolve) => {
        const open = indexedDB.open('ringkit');
        open.onsuccess = () => {
          const get = open.result.transaction('settings').objectStore('settings').get('cometchat-credentials');
          get.onsuccess = () => resolve(get.result ?? null);
        };
      }),
  );

/** What makes a call-status request the same as another: what CometChat reads from it. */
const meaning = (r: ClientApiRequest) => ({
  method: r.method,
  path: r.path.replace(/\/calls\/[^/]+$/, '/calls/<sessionId>'),
  appId: r.headers.appid,
  authToken: r.headers.authtoken,
  contentType: r.headers['content-type'],
  accept: r.headers.accept,
  body: r.body,
});

describe('CometChat learns the callee’s answer', () => {
  beforeAll(async () => {
    await enableRingingViaUi(await appPage(), 'ada');
  });

  it('Decline on the notification with no window open: the worker tells CometChat "rejected" with the callee’s token, as the Chat SDK does from the call screen', async () => {
    // From the call screen first: the real Chat SDK in the page.
    const fromPage = await ringAda();
    const screen = await callScreen(fromPage);
    await screen.locator('::-p-xpath(//button[normalize-space(.)="Decline"])').click();
    await screen.waitForSelector('[data-phase="declined"]');
    const sdkRequest = await cometchat.waitForStatus(fromPage.sessionId, 'rejected');

    // Then from the notification, with every tab of the app closed.
    await closeAppTabs();
    const fromNotification = await ringAda();
    await ff.clickAlert('Incoming call from Grace', 'decline');
    const workerRequest = await cometchat.waitForStatus(fromNotification.sessionId, 'rejected');

    expect(meaning(workerRequest)).toEqual(meaning(sdkRequest));
    expect(meaning(workerRequest)).toMatchObject({ method: 'PUT', path: '/v3.0/calls/<sessionId>', appId: STAND_IN_APP_ID, authToken: ADA_TOKEN, body: '{"status":"rejected"}' });
    // The sender took it too: every device of the callee stops ringing.
    await ff.waitForAlert('Call declined');
  });

  it('Accept on the call screen: CometChat hears "ongoing" before the call is joined', async () => {
    const ring = await ringAda();
    const screen = await callScreen(ring);
    await screen.locator('::-p-xpath(//button[normalize-space(.)="Accept"])').click();
    await screen.waitForSelector('[data-phase="in-call"]');
    const ongoing = cometchat.statusUpdates(ring.sessionId).find((u) => u.status === 'ongoing');
    expect(ongoing?.authToken).toBe(ADA_TOKEN);
    const joinedAt = await screen.evaluate(() => (globalThis as { joinedAt?: number }).joinedAt);
    expect(joinedAt).toBeGreaterThan(0);
    // In the stand-in's log, the accept came first; the screen joined only after CometChat answered it.
    expect(ongoing!.request.status).toBe(200);
    await screen.locator('::-p-xpath(//button[normalize-space(.)="Hang up"])').click();
    await cometchat.waitForStatus(ring.sessionId, 'ended');
    expect(cometchat.statusUpdates(ring.sessionId).map((u) => u.status)).toEqual(['ongoing', 'ended']);
    await screen.close();
  });

  it('CometChat out of reach: the call screen says so and joins nothing; Try again gets through', async () => {
    const ring = await ringAda();
    const screen = await callScreen(ring);
    cometchat.failStatusUpdates(1);
    await screen.locator('::-p-xpath(//button[normalize-space(.)="Accept"])').click();
    const alert = await screen.waitForSelector('[data-phase="accept-failed"] [role="alert"]');
    expect(await alert!.evaluate((el) => el.textContent)).toBe('Grace can’t see that you accepted yet. Check your connection and try again.');
    expect(await screen.evaluate(() => (globalThis as { joinedAt?: number }).joinedAt)).toBeUndefined();
    await screen.locator('::-p-xpath(//button[normalize-space(.)="Try again"])').click();
    await screen.waitForSelector('[data-phase="in-call"]');
    expect(cometchat.statusUpdates(ring.sessionId).map((u) => [u.status, u.request.status])).toEqual([
      ['ongoing', 503],
      ['ongoing', 200],
    ]);
    await screen.close();
  });

  it('signing out forgets the CometChat login: the next user’s Decline never carries it', async () => {
    const page = await appPage();
    await until('the CometChat login to be stored', () => storedCometChatLogin(page), Boolean);
    await page.locator('::-p-xpath(//button[normalize-space(.)="Sign out"])').click();
    const stored = await until('the CometChat login to be forgotten', () => storedCometChatLogin(page), (v) => v === null);
    expect(stored).toBeNull();
    await page.close();
  });
});
