import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { handleNotificationClick } from '../../sw/handle-click';
import { handlePush } from '../../sw/handle-push';
import type { NotificationData } from '../../sw/notification-options';
import { FakeNotification, FakeSubscription, FakeWindow, makeHarness, NOW, ORIGIN, type Harness } from './fakes';

const ID = 'v1.us.212570a35d379d83.1702625211';
const CALL = `${ORIGIN}/call/${ID}`;
const DECLINE_URL = `${ORIGIN}/api/calls/${ID}/decline`;
const ANSWER_URL = `${ORIGIN}/api/calls/${ID}/answer`;

const ringData: NotificationData = { kind: 'ringing', sessionId: ID, callerName: 'Ada', callType: 'audio', declineToken: 'd.t.k', ringUntil: NOW + 30_000 };
const ringing = (data: unknown = ringData) => new FakeNotification('Incoming call from Ada', { tag: `call-${ID}`, data: data as NotificationData });

/** A harness whose call log knows the call as ringing, as after its push. */
async function afterRing(windows: FakeWindow[] = [], data: NotificationData = ringData): Promise<Harness> {
  const h = makeHarness({ windows });
  if (data.kind !== 'generic') {
    await h.stores.callLog.put({ sessionId: data.sessionId, callerName: 'Ada', callType: 'audio', receivedAt: NOW, state: 'ringing' });
  }
  return h;
}

describe('Accept', () => {
  it('focuses the window already on the call instead of opening one', async () => {
    const home = new FakeWindow(`${ORIGIN}/`);
    const call = new FakeWindow(`${CALL}?action=open`);
    const h = await afterRing([home, call]);
    const n = ringing();

    expect(await handleNotificationClick(h.ctx, n, 'accept')).toBe('navigated');

    expect(n.closed).toBe(true);
    expect(call.focusCount).toBe(1);
    expect(call.navigations).toEqual([`${CALL}?action=accept`]);
    expect(home.focusCount).toBe(0);
    expect(home.navigations).toEqual([]);
    expect(h.clients.opened).toEqual([]);
    expect((await h.stores.callLog.get(ID))?.state).toBe('accepted');
    // Other tabs stop ringing.
    expect(home.messages).toEqual([{ type: 'call_accepted', sessionId: ID }]);
  });

  it('opens /call/<id>?action=accept when no window is open', async () => {
    const h = await afterRing();
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('opened');
    expect(h.clients.opened).toEqual([`${CALL}?action=accept`]);
  });

  it('navigates an open app window and opens no second one', async () => {
    const home = new FakeWindow(`${ORIGIN}/settings`);
    const h = await afterRing([home]);
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('navigated');
    expect(home.focusCount).toBe(1);
    expect(home.navigations).toEqual([`${CALL}?action=accept`]);
    expect(h.clients.opened).toEqual([]);
  });

  it('opens one window when the open one cannot be navigated (uncontrolled)', async () => {
    const home = new FakeWindow(`${ORIGIN}/`);
    home.uncontrolled = true;
    const h = await afterRing([home]);
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('opened');
    expect(h.clients.opened).toEqual([`${CALL}?action=accept`]);
  });

  it("opens the call screen from an uncontrolled tab (the app's first visit) where a click may focus or open a window only once (Chromium)", async () => {
    const home = new FakeWindow(`${ORIGIN}/`);
    home.uncontrolled = true;
    const h = makeHarness({ windows: [home], windowInteractions: 1 });
    await h.stores.callLog.put({ sessionId: ID, callerName: 'Ada', callType: 'audio', receivedAt: NOW, state: 'ringing' });
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('opened');
    expect(h.clients.opened).toEqual([`${CALL}?action=accept`]);
  });

  it('navigates, then focuses, a controlled tab where a click may interact once', async () => {
    const home = new FakeWindow(`${ORIGIN}/`);
    const h = makeHarness({ windows: [home], windowInteractions: 1 });
    await h.stores.callLog.put({ sessionId: ID, callerName: 'Ada', callType: 'audio', receivedAt: NOW, state: 'ringing' });
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('navigated');
    expect(home.navigations).toEqual([`${CALL}?action=accept`]);
    expect(home.focusCount).toBe(1);
    expect(h.clients.opened).toEqual([]);
  });

  it('just opens the call screen for a call that is already over, announcing nothing', async () => {
    const h = await afterRing();
    await h.stores.callLog.setState(ID, { state: 'missed', reason: 'cancelled' });
    await handleNotificationClick(h.ctx, ringing(), 'accept');
    expect(h.clients.opened).toEqual([`${CALL}?action=open`]);
    expect((await h.stores.callLog.get(ID))?.state).toBe('missed');
    expect(h.fetch.calls).toEqual([]);
  });

  it("tells the sender it was answered, with the ring's token and this device's endpoint", async () => {
    const h = await afterRing();
    h.registration.currentSubscription = new FakeSubscription('https://push.example.net/this-device');
    await handleNotificationClick(h.ctx, ringing(), 'accept');
    expect(h.fetch.calls).toHaveLength(1);
    const [call] = h.fetch.calls;
    expect(call!.url).toBe(ANSWER_URL);
    expect(call!.init).toMatchObject({ method: 'POST', headers: { Authorization: 'Bearer d.t.k', 'Content-Type': 'application/json' } });
    expect(JSON.parse(call!.init.body!)).toEqual({ endpoint: 'https://push.example.net/this-device' });
  });

  it.each<[string, (h: Harness) => void]>([
    ['the network fails', (h) => void (h.fetch.answer = () => new TypeError('Failed to fetch'))],
    ['the sender answers 500', (h) => void (h.fetch.answer = () => 500)],
  ])('still opens the call when %s announcing the answer', async (_, arrange) => {
    const h = await afterRing();
    arrange(h);
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('opened');
    expect(h.clients.opened).toEqual([`${CALL}?action=accept`]);
    expect((await h.stores.callLog.get(ID))?.state).toBe('accepted');
  });

  it('announces nothing for a ring without a token (seed payload), and still opens the call', async () => {
    const data = { ...ringData, declineToken: undefined } as NotificationData;
    const h = await afterRing([], data);
    await handleNotificationClick(h.ctx, ringing(data), 'accept');
    expect(h.fetch.calls).toEqual([]);
    expect(h.clients.opened).toEqual([`${CALL}?action=accept`]);
  });
});

describe('a click on the notification', () => {
  it('focuses the call window without reloading it', async () => {
    const call = new FakeWindow(`${CALL}?action=accept`);
    const h = await afterRing([call]);
    expect(await handleNotificationClick(h.ctx, ringing(), '')).toBe('focused');
    expect(call.focusCount).toBe(1);
    expect(call.navigations).toEqual([]);
    expect((await h.stores.callLog.get(ID))?.state).toBe('ringing');
  });

  it('opens /call/<id>?action=open with no window', async () => {
    const h = await afterRing();
    expect(await handleNotificationClick(h.ctx, ringing(), '')).toBe('opened');
    expect(h.clients.opened).toEqual([`${CALL}?action=open`]);
  });

  it('focuses the app for a generic notification', async () => {
    const home = new FakeWindow(`${ORIGIN}/settings`);
    const h = makeHarness({ windows: [home] });
    const n = new FakeNotification('RingKit', { tag: 'ringkit-unknown', data: { kind: 'generic' } });
    expect(await handleNotificationClick(h.ctx, n, '')).toBe('focused');
    expect(home.navigations).toEqual([]);
    expect(h.clients.opened).toEqual([]);
  });

  it('opens the call of a notification shown for a push', async () => {
    const h = makeHarness();
    await handlePush(h.ctx, JSON.stringify({ type: 'incoming_call', sessionId: ID, callerName: 'Ada', timestamp: NOW }));
    const shown = h.registration.visible()[0]!;
    await handleNotificationClick(h.ctx, shown, 'accept');
    expect(shown.closed).toBe(true);
    expect(h.clients.opened).toEqual([`${CALL}?action=accept`]);
  });
});

describe('Decline', () => {
  it('POSTs the decline with the token and opens no window', async () => {
    const home = new FakeWindow(`${ORIGIN}/`);
    const h = await afterRing([home]);
    const n = ringing();

    expect(await handleNotificationClick(h.ctx, n, 'decline')).toBe('declined');

    expect(n.closed).toBe(true);
    expect(h.fetch.calls).toHaveLength(1);
    const [call] = h.fetch.calls;
    expect(call!.url).toBe(DECLINE_URL);
    expect(call!.init.method).toBe('POST');
    expect(call!.init.headers).toEqual({ Authorization: 'Bearer d.t.k' });
    expect(h.clients.opened).toEqual([]);
    expect(home.focusCount).toBe(0);
    expect(home.navigations).toEqual([]);
    expect(home.messages).toEqual([{ type: 'call_ended', sessionId: ID, reason: 'declined' }]);
    expect(await h.stores.callLog.get(ID)).toMatchObject({ state: 'declined', reason: 'declined' });
  });

  it("sends it to the configured sender's origin", async () => {
    const h = await afterRing();
    await h.stores.settings.setSubscriptionConfig({ senderUrl: 'https://push.example.com/ignored/path', vapidPublicKey: 'k', userToken: 't' });
    await handleNotificationClick(h.ctx, ringing(), 'decline');
    expect(h.fetch.calls.map((c) => c.url)).toEqual([`https://push.example.com/api/calls/${ID}/decline`]);
  });

  it.each<[string, NotificationData, (h: Harness) => void]>([
    ['without a decline token (seed payload)', { ...ringData, declineToken: undefined } as NotificationData, () => {}],
    ['when the network fails', ringData, (h) => void (h.fetch.answer = () => new TypeError('Failed to fetch'))],
    ['when the sender answers 500', ringData, (h) => void (h.fetch.answer = () => 500)],
    ['when the sender refuses the token', ringData, (h) => void (h.fetch.answer = () => 403)],
  ])('opens the call screen to reject %s', async (_, data, arrange) => {
    const h = await afterRing([], data);
    arrange(h);
    expect(await handleNotificationClick(h.ctx, ringing(data), 'decline')).toBe('decline-fallback');
    expect(h.clients.opened).toEqual([`${CALL}?action=reject`]);
    expect((await h.stores.callLog.get(ID))?.state).toBe('declined');
  });

  it('falls back to the open call window rather than a new one', async () => {
    const call = new FakeWindow(`${CALL}?action=open`);
    const h = await afterRing([call]);
    h.fetch.answer = () => 503;
    await handleNotificationClick(h.ctx, ringing(), 'decline');
    expect(call.navigations).toEqual([`${CALL}?action=reject`]);
    expect(h.clients.opened).toEqual([]);
    expect(call.messages).toEqual([]);
  });

  it('sends nothing for a call that is already over', async () => {
    const h = await afterRing();
    await h.stores.callLog.setState(ID, { state: 'ended', reason: 'cancelled' });
    await handleNotificationClick(h.ctx, ringing(), 'decline');
    expect(h.fetch.calls).toEqual([]);
    expect(h.clients.opened).toEqual([`${CALL}?action=open`]);
  });
});

describe('a hostile session id', () => {
  it.each(['../../evil.com', 'https://evil.example/', '..', '//evil.example/x'])('%s stays on the origin', async (sessionId) => {
    for (const action of ['', 'accept', 'decline']) {
      const data: NotificationData = { ...ringData, sessionId };
      const h = await afterRing([], data);
      h.fetch.answer = () => 500; // so a decline also opens a window
      await handleNotificationClick(h.ctx, ringing(data), action);
      for (const url of h.clients.opened) {
        const parsed = new URL(url);
        expect(parsed.origin).toBe(ORIGIN);
        expect(parsed.pathname === '/' || /^\/call\/[^/]+$/.test(parsed.pathname)).toBe(true);
      }
      for (const call of h.fetch.calls) {
        const parsed = new URL(call.url);
        expect(parsed.origin).toBe(ORIGIN);
        expect(parsed.pathname).toMatch(/^\/api\/calls\/[^/]+\/(decline|answer)$/);
      }
    }
  });
});
