/**
 * The ringing story in a real Chromium, with nothing faked between the sender
 * and the service worker: the sender process (web-push: VAPID, aes128gcm)
 * posts through its egress proxy to the push endpoint Chromium reported (a
 * Google host), which the proxy tunnels to a loopback stand-in of Google's
 * push service; that delivers over the MCS connection Chromium's own GCM
 * client keeps, Chromium decrypts the push and wakes the worker. The user's
 * desktop (a notification server on D-Bus) shows what Chromium shows and
 * takes the clicks. Only Google's push service and the desktop are played
 * by the test (support/google-push-service.ts, support/notification-daemon.ts).
 */
import https from 'node:https';
import type { Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RingRequest } from '../protocol/api';
import { callTopic } from '../protocol/topic';
import { connectTls } from '../server/push/egress-proxy';
import { fromSite, launchChromiumWithPush, startChromiumPushPath, type ChromiumBrowser, type ChromiumPushPath } from './support/chromium-push';
import type { PushMessage } from './support/google-push-service';
import { callScreenOpened, ringTheSeedsWay, closeAppTabs, enableRingingViaUi, endpointIn, listenToWorker, newCall, notificationsIn, sendAppToBackground, until } from './support/ringing';

let path: ChromiumPushPath;
const launched: ChromiumBrowser[] = [];
const latencies: { story: string; deliveredMs: number; pushEventMs: number; visibleMs: number }[] = [];

beforeAll(async () => {
  path = await startChromiumPushPath();
});
afterEach(async () => {
  const browsers = launched.splice(0);
  await Promise.all(browsers.map((b) => b.close()));
  // Every push ended in the app's own notification: Chromium never had to show its
  // "This site has been updated in the background" in its place.
  for (const b of browsers) expect(b.desktop.all.filter((n) => n.body.includes('updated in the background'))).toEqual([]);
});
afterAll(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
  await path?.close();
  if (latencies.length > 0) {
    console.log(
      'Ring latencies in Chromium (figures, not assertions):\n' +
        latencies
          .map((l) => `  ${l.story}: API call → on Chromium's MCS connection ${l.deliveredMs} ms → push event ${l.pushEventMs} ms → notification on the desktop ${l.visibleMs} ms`)
          .join('\n'),
    );
  }
});

interface Callee {
  chromium: ChromiumBrowser;
  /** the app's tab, while it is open */
  page: Page;
  endpoint: string;
}

async function launch(): Promise<ChromiumBrowser> {
  const chromium = await launchChromiumWithPush(path.google, path.sender.origin);
  launched.push(chromium);
  return chromium;
}

/** A callee's Chromium with the app open, signed in as uid, ringing enabled through the app's UI. */
async function calleeWithRinging(uid: string): Promise<Callee> {
  const chromium = await launch();
  const page = await chromium.openPage(path.sender.origin);
  const endpoint = await enableRingingViaUi(page, uid);
  // Subscribed is not yet reachable: Chromium's GCM client logs in on its MCS connection right after.
  await path.google.waitFor('Chromium to be connected', () => (path.google.isConnected(endpoint) ? true : undefined));
  return { chromium, page, endpoint };
}

const pushesTo = (endpoint: string): PushMessage[] => path.google.messages.filter((m) => m.token === path.google.tokenOf(endpoint));

/**
 * Rings and waits until the notification is on the desktop and the worker's
 * push event is over (as a user's click comes: Chromium checks that a push
 * showed a notification once its event ends), recording how long each step
 * took: the stand-in's write on Chromium's MCS connection, the push event
 * Chromium dispatched, the desktop's Notify.
 */
async function ringUntilVisible(callee: Callee, ring: RingRequest, story: string): Promise<void> {
  const before = pushesTo(callee.endpoint).length;
  const start = Date.now();
  expect(await path.sender.ring(ring)).toMatchObject({ delivered: 1 });
  const shown = await callee.chromium.desktop.waitFor(`Incoming call from ${ring.callerName}`, { since: start });
  const message = pushesTo(callee.endpoint)[before]!;
  const event = await callee.chromium.pushEventCompleted(message.persistentId);
  expect(event.status).toBe('Success');
  latencies.push({ story, deliveredMs: message.sentAt! - start, pushEventMs: event.dispatchedAt! - start, visibleMs: shown.shownAt - start });
}

describe('ringing in Chromium, end to end', () => {
  it('a callee opens the app, presses "Enable ringing", and the sender now holds the device', async () => {
    const chromium = await launch();
    const page = await chromium.openPage(path.sender.origin);
    const endpoint = await enableRingingViaUi(page, 'ann');

    expect((await path.sender.devicesOf('ann')).map((d) => d.endpoint)).toEqual([endpoint]);
    // Google's push service handed it out (Debian's build reports Google's staging host).
    expect(new URL(endpoint).host).toBe('jmt17.google.com');
    expect(path.google.registrations.at(-1)).toMatchObject({ app: 'org.chromium.linux', sender: path.sender.vapid.publicKey });
    await path.google.waitFor('Chromium to be connected', () => (path.google.isConnected(endpoint) ? true : undefined));
    await ringUntilVisible({ chromium, page, endpoint }, newCall('ann'), 'first ring after enabling');
    // It went through the sender's egress proxy, to the host in the endpoint.
    expect(path.proxy.connects).toContain('jmt17.google.com:443');
  });

  it("a caller's call shows \"Incoming call from …\" with Accept and Decline on the callee's desktop, the app's tab in the background", async () => {
    const callee = await calleeWithRinging('bea');
    await sendAppToBackground(callee.chromium, callee.page);
    const ring = newCall('bea', { callerName: 'Bob Builder', callType: 'video' });
    await ringUntilVisible(callee, ring, 'app tab in the background');

    expect(await notificationsIn(callee.page)).toEqual([
      expect.objectContaining({
        title: 'Incoming call from Bob Builder',
        requireInteraction: true,
        actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }],
        data: expect.objectContaining({ kind: 'ringing', sessionId: ring.sessionId }),
      }),
    ]);
    // On screen: the site, the text, both buttons, and no timeout (requireInteraction).
    expect(callee.chromium.desktop.onScreen()).toEqual([
      expect.objectContaining({ title: 'Incoming call from Bob Builder', body: fromSite(path.sender.origin, 'Video call'), expireTimeout: 0 }),
    ]);
    expect(callee.chromium.desktop.onScreen()[0]!.actions.map((a) => a.label)).toEqual(expect.arrayContaining(['Accept', 'Decline']));
  });

  it('a call rings with no tab of the app open at all: the worker alone shows it', async () => {
    const callee = await calleeWithRinging('cat');
    await closeAppTabs(callee.chromium, path.sender.origin);
    await ringUntilVisible(callee, newCall('cat', { callerName: 'Dora' }), 'no app tab open (worker only)');
    expect(callee.chromium.desktop.onScreen().map((n) => [n.title, n.body])).toEqual([['Incoming call from Dora', fromSite(path.sender.origin, 'Audio call')]]);
  });

  it('Accept opens the call screen with action accept, in one tab', async () => {
    const callee = await calleeWithRinging('dan');
    await closeAppTabs(callee.chromium, path.sender.origin);
    const ring = newCall('dan');
    await ringUntilVisible(callee, ring, 'before Accept');

    callee.chromium.desktop.click('Incoming call from Bob', 'Accept');
    await callScreenOpened(callee.chromium, ring.sessionId, 'Bob');
    expect(callee.chromium.desktop.onScreen()).toEqual([]);
  });

  it("Decline reaches the sender's decline endpoint and opens no window", async () => {
    const callee = await calleeWithRinging('eve');
    await sendAppToBackground(callee.chromium, callee.page);
    const tabsBefore = (await callee.chromium.browser.pages()).map((p) => p.url());
    await ringUntilVisible(callee, newCall('eve'), 'before Decline');
    const heard = await listenToWorker(callee.page);

    const declined = callee.chromium.desktop.waitFor('Call declined');
    callee.chromium.desktop.click('Incoming call from Bob', 'Decline');
    // The sender took the decline: it tells every device of the callee, this one too.
    await declined;
    expect(pushesTo(callee.endpoint)).toHaveLength(2); // the ring, and the sender's stop
    expect((await callee.chromium.browser.pages()).map((p) => p.url())).toEqual(tabsBefore);
    await until('the tab to hear it', heard, (h) => h.some((m) => m.type === 'call_ended'));
    expect(await heard()).toContainEqual(expect.objectContaining({ type: 'call_ended', reason: 'declined' }));
    await callee.chromium.desktop.waitForScreen(['Call declined']);
  });

  it('the caller hangs up: the ringing notification becomes a missed call, and the open tab stops ringing', async () => {
    const callee = await calleeWithRinging('fay');
    const heard = await listenToWorker(callee.page);
    const ring = newCall('fay');
    await ringUntilVisible(callee, ring, 'app tab in front');
    await until('the tab to ring', heard, (h) => h.some((m) => m.type === 'incoming_call'));

    const missed = callee.chromium.desktop.waitFor('Missed call from Bob');
    expect(await path.sender.cancel(ring.sessionId, 'fay')).toMatchObject({ delivered: 1 });
    await missed;
    expect(await notificationsIn(callee.page)).toEqual([expect.objectContaining({ title: 'Missed call from Bob', requireInteraction: false, actions: [] })]);
    await callee.chromium.desktop.waitForScreen(['Missed call from Bob']); // the ringing one is gone
    const ended = await until('the tab to stop ringing', heard, (h) => h.some((m) => m.type === 'call_ended'));
    expect(ended.find((m) => m.type === 'call_ended')).toMatchObject({ sessionId: ring.sessionId, reason: 'cancelled' });
  });

  it('two Chromium profiles of one user both ring, and answering on one stops the other', async () => {
    const laptop = await calleeWithRinging('gus');
    const desktop = await calleeWithRinging('gus');
    expect(await path.sender.devicesOf('gus')).toHaveLength(2);
    const ring = newCall('gus');
    const start = Date.now();
    expect(await path.sender.ring(ring)).toMatchObject({ devices: 2, delivered: 2 });
    await Promise.all([laptop, desktop].map((d) => d.chromium.desktop.waitFor('Incoming call from Bob', { since: start })));
    await Promise.all([laptop, desktop].map((d) => d.chromium.pushEventCompleted(pushesTo(d.endpoint)[0]!.persistentId)));

    const answered = desktop.chromium.desktop.waitFor('Answered on another device');
    laptop.chromium.desktop.click('Incoming call from Bob', 'Accept');
    await answered;
    await desktop.chromium.desktop.waitForScreen(['Answered on another device']); // its ringing one is gone
    await laptop.chromium.browser.waitForTarget((t) => t.url().includes(`/call/${encodeURIComponent(ring.sessionId)}?action=accept`));
    // The device that answered was not told to stop.
    expect(pushesTo(laptop.endpoint)).toHaveLength(1);
  });

  it('a browser offline for a moment still rings when it comes back within the TTL', async () => {
    const callee = await calleeWithRinging('hal');
    path.google.goOffline(callee.endpoint);
    const start = Date.now();
    // The push service took it (the sender is done); the browser hasn't got it.
    expect(await path.sender.ring(newCall('hal'))).toMatchObject({ delivered: 1 });
    expect(pushesTo(callee.endpoint).map((m) => m.fate)).toEqual(['queued']);

    const back = Date.now();
    path.google.comeBackOnline(callee.endpoint);
    const shown = await callee.chromium.desktop.waitFor('Incoming call from Bob');
    console.log(`Chromium offline ${back - start} ms; back online → notification on the desktop ${shown.shownAt - back} ms`);
    expect((await notificationsIn(callee.page)).map((n) => n.title)).toEqual(['Incoming call from Bob']);
  });

  it('a browser that comes back after the TTL does not ring for the stale call', async () => {
    const callee = await calleeWithRinging('ida');
    path.google.goOffline(callee.endpoint);
    expect(await path.sender.ring(newCall('ida', { callerName: 'Stale Steve' }))).toMatchObject({ delivered: 1 });
    path.google.advanceClock(31_000); // the sender's TTL is 30 s
    path.google.comeBackOnline(callee.endpoint);

    // A later call does ring; the push service delivers in order, so the stale one would have come first.
    await ringUntilVisible(callee, newCall('ida', { callerName: 'Fresh Fran' }), 'after coming back online');
    const [stale] = pushesTo(callee.endpoint);
    expect(stale).toMatchObject({ fate: 'expired' });
    expect(stale!.sentAt).toBeUndefined();
    expect(callee.chromium.desktop.all.map((n) => n.title)).toEqual(['Incoming call from Fresh Fran']);
  });

  it('two rings for one call while the browser is away: only the newest arrives (Topic)', async () => {
    const callee = await calleeWithRinging('jo');
    path.google.hold(callee.endpoint);
    const first = newCall('jo', { callerName: 'Bob' });
    await path.sender.ring(first);
    await path.sender.ring({ ...first, callerName: 'Bob (again)' });
    const [older, newer] = pushesTo(callee.endpoint);
    expect(older!.topic).toBe(callTopic(first.sessionId));
    expect(newer!.topic).toBe(older!.topic);
    expect(older!.fate).toBe('replaced');

    const visible = callee.chromium.desktop.waitFor('Incoming call from Bob (again)');
    path.google.release(callee.endpoint);
    await visible;
    expect(older!.sentAt).toBeUndefined();
    expect(callee.chromium.desktop.all.map((n) => n.title)).toEqual(['Incoming call from Bob (again)']);
  });

  it('the page unsubscribes behind the sender’s back: the next push gets 410, the sender purges the device, and nothing rings', async () => {
    const callee = await calleeWithRinging('kim');
    expect(await callee.page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription())!.unsubscribe())).toBe(true);
    // Chromium deletes its registration at Google's registration server.
    await path.google.waitFor('the registration to be deleted', () => (path.google.isRegistered(callee.endpoint) ? undefined : true));
    expect(await endpointIn(callee.page)).toBeNull();

    expect(await path.sender.ring(newCall('kim'))).toMatchObject({ devices: 1, delivered: 0, purged: 1 });
    expect(path.google.posts.filter((p) => p.token === path.google.tokenOf(callee.endpoint)).map((p) => p.status)).toEqual([410]);
    expect(await path.sender.devicesOf('kim')).toEqual([]);
    expect(callee.chromium.desktop.all).toEqual([]);
  });

  it("a push sent the way the seed's Node template sends it rings too", async () => {
    const callee = await calleeWithRinging('max');
    // Its connection goes out through the same egress proxy (a test agent opens the tunnel).
    expect(await ringTheSeedsWay(callee.page, path.sender.vapid, new TunnellingAgent(new URL(path.proxy.url), path.google.ca))).toBe(201);
    await callee.chromium.desktop.waitFor('Incoming call from Seed Sam');
    // On screen first; the worker's list shows it once the browser has stored it.
    const listed = await until('the worker to list it', () => notificationsIn(callee.page), (n) => n.length > 0);
    expect(listed).toEqual([expect.objectContaining({ title: 'Incoming call from Seed Sam', body: 'Video call', requireInteraction: true })]);
  });
});

/** An https.Agent whose connections go through the CONNECT proxy, trusting the test CA: how the seed's script would be run behind the proxy. */
class TunnellingAgent extends https.Agent {
  constructor(private readonly proxy: URL, private readonly trusted: string) {
    super({ keepAlive: false });
  }

  override createConnection(options: Parameters<https.Agent['createConnection']>[0], done?: Parameters<https.Agent['createConnection']>[1]): ReturnType<https.Agent['createConnection']> {
    const host = String(options.host);
    connectTls({ host, port: Number(options.port ?? 443), servername: host, ca: this.trusted }, this.proxy, 5000).then(
      (socket) => done?.(null, socket),
      (err: Error) => done?.(err, undefined as never),
    );
    return undefined;
  }
}
