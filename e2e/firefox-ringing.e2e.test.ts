/**
 * The ringing story in a real Firefox, with nothing faked between the sender
 * and the service worker: the sender process (web-push: VAPID, aes128gcm)
 * posts to a loopback push service, which hands the message over Mozilla's
 * WebSocket protocol to Firefox, which decrypts it and wakes the worker.
 * Only Mozilla's push service itself is played by the test (support/autopush-service.ts).
 */
import { Agent } from 'node:https';
import type { Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RingRequest } from '../protocol/api';
import { callTopic } from '../protocol/topic';
import { startAutopushService, type AutopushService, type PushMessage } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { callScreenOpened, ringTheSeedsWay, closeAppTabs, enableRingingViaUi, endpointIn, listenToWorker, newCall, notificationsIn, sendAppToBackground, until } from './support/ringing';
import { startSenderApp, type SenderApp } from './support/sender-app';

let push: AutopushService;
let sender: SenderApp;
const launched: FirefoxBrowser[] = [];
const latencies: { story: string; pushEventMs: number; visibleMs: number }[] = [];

beforeAll(async () => {
  push = await startAutopushService();
  sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname });
});
afterEach(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
  await sender?.stop();
  await push?.close();
  if (latencies.length > 0) {
    console.log(
      'Ring latencies in Firefox (figures, not assertions):\n' +
        latencies.map((l) => `  ${l.story}: API call → push event ${l.pushEventMs} ms → notification visible ${l.visibleMs} ms`).join('\n'),
    );
  }
});

interface Callee {
  ff: FirefoxBrowser;
  /** the app's tab, while it is open */
  page: Page;
  endpoint: string;
}

async function launch(): Promise<FirefoxBrowser> {
  const ff = await launchFirefox(push.serverURL);
  launched.push(ff);
  return ff;
}

/** A callee's Firefox with the app open, signed in as uid, ringing enabled through the app's UI. */
async function calleeWithRinging(uid: string): Promise<Callee> {
  const ff = await launch();
  const page = await ff.openPage(sender.origin);
  const endpoint = await enableRingingViaUi(page, uid);
  return { ff, page, endpoint };
}

const pushesTo = (endpoint: string): PushMessage[] => push.messages.filter((m) => m.channelID === push.channelOf(endpoint));

/**
 * Rings and waits until the notification is on screen, recording how long
 * each step took. The push event is timed by Firefox's acknowledgement, which
 * it sends once it has decrypted the message and dispatched it to the worker.
 */
async function ringUntilVisible(callee: Callee, ring: RingRequest, story: string): Promise<void> {
  const before = pushesTo(callee.endpoint).length;
  const start = Date.now();
  const visible = callee.ff.waitForAlert(`Incoming call from ${ring.callerName}`);
  expect(await sender.ring(ring)).toMatchObject({ delivered: 1 });
  const visibleAt = await visible;
  const message = pushesTo(callee.endpoint)[before]!;
  const ackedAt = await push.waitFor('the ring to be acknowledged', () => message.ackedAt);
  latencies.push({ story, pushEventMs: ackedAt - start, visibleMs: visibleAt - start });
}


describe('ringing in Firefox, end to end', () => {
  it('a callee opens the app, presses "Enable ringing", and the sender now holds the device', async () => {
    const ff = await launch();
    const page = await ff.openPage(sender.origin);
    const endpoint = await enableRingingViaUi(page, 'ann');

    const devices = await sender.devicesOf('ann');
    expect(devices.map((d) => d.endpoint)).toEqual([endpoint]);
    expect(new URL(endpoint).origin).toBe(push.origin); // Firefox's own push service handed it out
    // A call reaches it.
    await ringUntilVisible({ ff, page, endpoint }, newCall('ann'), 'first ring after enabling');
  });

  it("a caller's call shows \"Incoming call from …\" with Accept and Decline on the callee's Firefox, the app's tab in the background", async () => {
    const callee = await calleeWithRinging('bea');
    await sendAppToBackground(callee.ff, callee.page);
    const ring = newCall('bea', { callerName: 'Bob Builder', callType: 'video' });
    await ringUntilVisible(callee, ring, 'app tab in the background');

    const shown = await notificationsIn(callee.page);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      title: 'Incoming call from Bob Builder',
      body: 'Video call',
      requireInteraction: true,
      actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }],
      data: { kind: 'ringing', sessionId: ring.sessionId },
    });
    expect(await callee.ff.alerts()).toEqual([{ title: 'Incoming call from Bob Builder', text: 'Video call' }]);
  });

  it('a call rings with no tab of the app open at all: the worker alone shows it', async () => {
    const callee = await calleeWithRinging('cat');
    await closeAppTabs(callee.ff, sender.origin);
    await ringUntilVisible(callee, newCall('cat', { callerName: 'Dora' }), 'no app tab open (worker only)');
    expect(await callee.ff.alerts()).toEqual([{ title: 'Incoming call from Dora', text: 'Audio call' }]);
  });

  it('Accept opens the call screen with action accept, in one tab', async () => {
    const callee = await calleeWithRinging('dan');
    await closeAppTabs(callee.ff, sender.origin);
    const ring = newCall('dan');
    await ringUntilVisible(callee, ring, 'before Accept');

    await callee.ff.clickAlert('Incoming call from Bob', 'accept');
    await callScreenOpened(callee.ff, ring.sessionId, 'Bob');
    expect(await callee.ff.alerts()).toEqual([]);
  });

  it("Decline reaches the sender's decline endpoint and opens no window", async () => {
    const callee = await calleeWithRinging('eve');
    await sendAppToBackground(callee.ff, callee.page);
    const heard = await listenToWorker(callee.page);
    const tabsBefore = (await callee.ff.browser.pages()).map((p) => p.url());
    await ringUntilVisible(callee, newCall('eve'), 'before Decline');

    await callee.ff.clickAlert('Incoming call from Bob', 'decline');
    // The sender took the decline: it tells every device of the callee, this one too.
    await callee.ff.waitForAlert('Call declined');
    expect(pushesTo(callee.endpoint)).toHaveLength(2); // the ring, and the sender's stop
    expect((await callee.ff.browser.pages()).map((p) => p.url())).toEqual(tabsBefore);
    expect(await heard()).toContainEqual(expect.objectContaining({ type: 'call_ended', reason: 'declined' }));
    expect((await callee.ff.alerts()).map((a) => a.title)).toEqual(['Call declined']);
  });

  it('the caller hangs up: the ringing notification becomes a missed call, and the open tab stops ringing', async () => {
    const callee = await calleeWithRinging('fay');
    const heard = await listenToWorker(callee.page);
    const ring = newCall('fay');
    await ringUntilVisible(callee, ring, 'app tab in front');
    await until('the tab to ring', heard, (h) => h.some((m) => m.type === 'incoming_call'));

    const missed = callee.ff.waitForAlert('Missed call from Bob');
    expect(await sender.cancel(ring.sessionId, 'fay')).toMatchObject({ delivered: 1 });
    await missed;
    const shown = await notificationsIn(callee.page);
    expect(shown).toEqual([expect.objectContaining({ title: 'Missed call from Bob', requireInteraction: false, actions: [] })]);
    expect((await callee.ff.alerts()).map((a) => a.title)).toEqual(['Missed call from Bob']);
    await until('the tab to stop ringing', heard, (h) => h.some((m) => m.type === 'call_ended'));
    expect((await heard()).find((m) => m.type === 'call_ended')).toMatchObject({ sessionId: ring.sessionId, reason: 'cancelled' });
  });

  it('two devices of one user both ring, and answering on one stops the other', async () => {
    const laptop = await calleeWithRinging('gus');
    const desktop = await calleeWithRinging('gus');
    expect(await sender.devicesOf('gus')).toHaveLength(2);
    const ring = newCall('gus');
    const rings = [laptop, desktop].map((d) => d.ff.waitForAlert('Incoming call from Bob'));
    expect(await sender.ring(ring)).toMatchObject({ devices: 2, delivered: 2 });
    await Promise.all(rings);

    await laptop.ff.clickAlert('Incoming call from Bob', 'accept');
    await desktop.ff.waitForAlert('Answered on another device');
    expect((await desktop.ff.alerts()).map((a) => a.title)).toEqual(['Answered on another device']);
    await laptop.ff.browser.waitForTarget((t) => t.url().includes(`/call/${encodeURIComponent(ring.sessionId)}?action=accept`));
    // The device that answered was not told to stop.
    expect(pushesTo(laptop.endpoint)).toHaveLength(1);
  });

  it('a browser offline for a moment still rings when it comes back within the TTL', async () => {
    const callee = await calleeWithRinging('hal');
    push.goOffline(callee.endpoint);
    const start = Date.now();
    const ring = newCall('hal');
    // The push service took it (the sender is done); the browser hasn't got it.
    expect(await sender.ring(ring)).toMatchObject({ delivered: 1 });
    expect(pushesTo(callee.endpoint).map((m) => m.fate)).toEqual(['queued']);

    const visible = callee.ff.waitForAlert('Incoming call from Bob');
    await push.comeBackOnline(callee.endpoint);
    const back = Date.now();
    const visibleAt = await visible;
    console.log(`offline ${back - start} ms; back online → notification visible ${visibleAt - back} ms`);
    expect((await notificationsIn(callee.page)).map((n) => n.title)).toEqual(['Incoming call from Bob']);
  });

  it('a browser that comes back after the TTL does not ring for the stale call', async () => {
    const callee = await calleeWithRinging('ida');
    push.goOffline(callee.endpoint);
    const stale = newCall('ida', { callerName: 'Stale Steve' });
    expect(await sender.ring(stale)).toMatchObject({ delivered: 1 });
    push.advanceClock(31_000); // the sender's TTL is 30 s
    await push.comeBackOnline(callee.endpoint);

    // A later call does ring; the push service delivers in order, so the stale one would have come first.
    await ringUntilVisible(callee, newCall('ida', { callerName: 'Fresh Fran' }), 'after coming back online');
    const [staleMessage] = pushesTo(callee.endpoint);
    expect(staleMessage).toMatchObject({ fate: 'expired' });
    expect(staleMessage!.sentAt).toBeUndefined();
    expect((await notificationsIn(callee.page)).map((n) => n.title)).toEqual(['Incoming call from Fresh Fran']);
  });

  it('two rings for one call while the browser is away: only the newest arrives (Topic)', async () => {
    const callee = await calleeWithRinging('jo');
    push.hold(callee.endpoint);
    const first = newCall('jo', { callerName: 'Bob' });
    await sender.ring(first);
    await sender.ring({ ...first, callerName: 'Bob (again)' });
    const [older, newer] = pushesTo(callee.endpoint);
    expect(older!.topic).toBe(callTopic(first.sessionId));
    expect(newer!.topic).toBe(older!.topic);
    expect(older!.fate).toBe('replaced');

    const visible = callee.ff.waitForAlert('Incoming call from Bob (again)');
    push.release(callee.endpoint);
    await visible;
    await push.waitFor('the newest ring to be acknowledged', () => newer!.ackedAt);
    expect(older!.sentAt).toBeUndefined();
    expect((await notificationsIn(callee.page)).map((n) => n.title)).toEqual(['Incoming call from Bob (again)']);
  });

  it('the push service drops the registration: the worker subscribes again, the sender learns it, and the next call rings', async () => {
    const callee = await calleeWithRinging('kim');
    const old = callee.endpoint;
    push.dropRegistrations(old);
    // A call placed before the browser has noticed: the old endpoint answers 410 and the sender purges it.
    expect(await sender.ring(newCall('kim'))).toMatchObject({ devices: 1, delivered: 0, purged: 1 });
    expect(push.posts.filter((p) => p.channelID === push.channelOf(old)).map((p) => p.status)).toEqual([410]);
    expect(await sender.devicesOf('kim')).toEqual([]);

    // Firefox reconnects, gets a new UAID, drops its subscription and fires pushsubscriptionchange.
    const renewed = await until('a new subscription in the browser', () => endpointIn(callee.page), (e) => e !== null && e !== old);
    const devices = await until('the sender to hold the new endpoint', () => sender.devicesOf('kim'), (d) => d.length > 0);
    expect(devices.map((d) => d.endpoint)).toEqual([renewed]);
    await ringUntilVisible({ ...callee, endpoint: renewed! }, newCall('kim', { callerName: 'Lou' }), 'after pushsubscriptionchange');
  });

  it("a push sent the way the seed's Node template sends it rings too", async () => {
    const callee = await calleeWithRinging('max');
    const visible = callee.ff.waitForAlert('Incoming call from Seed Sam');
    expect(await ringTheSeedsWay(callee.page, sender.vapid, new Agent({ ca: push.cert }))).toBe(201);
    await visible;
    // On screen first; the worker's list shows it once the browser has stored it.
    const listed = await until('the worker to list it', () => notificationsIn(callee.page), (n) => n.length > 0);
    expect(listed).toEqual([expect.objectContaining({ title: 'Incoming call from Seed Sam', body: 'Video call', requireInteraction: true })]);
  });
});
