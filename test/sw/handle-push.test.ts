import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { declarativePush } from '../../protocol/declarative';
import type { CallEndedPayload, IncomingCallPayload } from '../../protocol/payload';
import { handlePush } from '../../sw/handle-push';
import { STORE_READ_BUDGET_MS } from '../../sw/context';
import { brokenCallLog, FakeSubscription, FakeWindow, hangingCallLog, makeHarness, NOW, ORIGIN } from './fakes';

const ID = 'v1.us.212570a35d379d83.1702625211';
const TAG = `call-${ID}`;

const ring = {
  type: 'incoming_call',
  v: 1,
  sessionId: ID,
  callerName: 'Ada',
  callerUid: 'ada',
  callType: 'video',
  timestamp: NOW - 1_000,
  ringUntil: NOW + 29_000,
  declineToken: 'd.t.k',
};
const seedRing = { type: 'incoming_call', sessionId: ID, callerName: 'Ada', callerUid: 'ada', callType: 'video', timestamp: NOW - 1_000 };
const ended = (reason: string, sessionId = ID) => ({ type: 'call_ended', v: 1, sessionId, reason, timestamp: NOW + 5_000 });
const push = (payload: unknown) => JSON.stringify(payload);

const twoWindows = () => [new FakeWindow(`${ORIGIN}/`), new FakeWindow(`${ORIGIN}/settings`)];

describe('handlePush: a ring', () => {
  it('shows the ringing notification, records the call and tells every open window', async () => {
    const windows = twoWindows();
    const h = makeHarness({ windows });
    expect(await handlePush(h.ctx, push(ring))).toBe('ringing');

    expect(h.registration.visible()).toHaveLength(1);
    const [shown] = h.registration.visible();
    expect(shown!.title).toBe('Incoming call from Ada');
    expect(shown!.options).toMatchObject({ tag: TAG, requireInteraction: true, body: 'Video call' });
    expect(shown!.options.actions?.map((a) => a.action)).toEqual(['accept', 'decline']);

    const { type: _, ...payloadFields } = ring;
    for (const w of windows) {
      expect(w.messages).toEqual([
        { type: 'incoming_call', payload: { type: 'incoming_call', ...payloadFields }, timings: { pushReceivedAt: NOW, notificationShownAt: NOW } },
      ]);
    }
    expect(h.clients.matchAllOptions).toEqual([{ type: 'window', includeUncontrolled: true }]);
    expect(await h.stores.callLog.get(ID)).toEqual({
      sessionId: ID,
      callerName: 'Ada',
      callType: 'video',
      receivedAt: NOW,
      ringUntil: ring.ringUntil,
      declineToken: 'd.t.k',
      state: 'ringing',
    });
  });

  it('tells the page when the push arrived and when its notification was on screen (the test ring measures them)', async () => {
    const windows = [new FakeWindow(`${ORIGIN}/compat`)];
    const h = makeHarness({ windows });
    const show = h.registration.showNotification.bind(h.registration);
    h.registration.showNotification = async (title, options) => {
      h.setNow(NOW + 40); // the browser took 40 ms to put it on screen
      await show(title, options);
    };
    await handlePush(h.ctx, push(ring));
    expect(windows[0]!.messages[0]).toMatchObject({ type: 'incoming_call', timings: { pushReceivedAt: NOW, notificationShownAt: NOW + 40 } });
  });

  it("tells the sender it showed the ring, with the ring's token and this device's endpoint, once the notification is on screen", async () => {
    const h = makeHarness();
    h.registration.currentSubscription = new FakeSubscription('https://push.example.net/this-device');
    let shownWhenTold = 0;
    h.fetch.answer = () => {
      shownWhenTold = h.registration.visible().length;
      return 204;
    };
    expect(await handlePush(h.ctx, push(ring))).toBe('ringing');
    expect(h.fetch.calls).toHaveLength(1);
    const [call] = h.fetch.calls;
    expect(call!.url).toBe(`${ORIGIN}/api/calls/${ID}/shown`);
    expect(call!.init).toMatchObject({ method: 'POST', headers: { Authorization: 'Bearer d.t.k', 'Content-Type': 'application/json' } });
    expect(JSON.parse(call!.init.body!)).toEqual({ endpoint: 'https://push.example.net/this-device' });
    expect(shownWhenTold).toBe(1);
  });

  it.each([
    ['the network fails', () => new TypeError('Failed to fetch')],
    ['the sender answers 503', () => 503],
  ])('still rings in the open page when telling the sender fails (%s)', async (_, answer) => {
    const windows = [new FakeWindow(`${ORIGIN}/`)];
    const h = makeHarness({ windows });
    h.fetch.answer = answer;
    expect(await handlePush(h.ctx, push(ring))).toBe('ringing');
    expect(windows[0]!.messages.map((m) => m.type)).toEqual(['incoming_call']);
    expect(h.logs.some((l) => l.startsWith('reporting the ring shown'))).toBe(true);
  });

  it("rings for the seed's payload like for RingKit's", async () => {
    const ours = makeHarness({ windows: [new FakeWindow(`${ORIGIN}/`)] });
    const seed = makeHarness({ windows: [new FakeWindow(`${ORIGIN}/`)] });
    expect(await handlePush(ours.ctx, push(ring))).toBe('ringing');
    expect(await handlePush(seed.ctx, push(seedRing))).toBe('ringing');

    const a = ours.registration.visible()[0]!;
    const b = seed.registration.visible()[0]!;
    expect(b.title).toBe(a.title);
    expect({ ...b.options, data: undefined }).toEqual({ ...a.options, data: undefined });
    expect(b.options.data).toEqual({ kind: 'ringing', sessionId: ID, callerName: 'Ada', callType: 'video' });
    expect(seed.clients.windows[0]!.messages.map((m) => m.type)).toEqual(['incoming_call']);
    expect((await seed.stores.callLog.get(ID))?.state).toBe('ringing');
  });

  it('tells the sender nothing for a ring without a token (the seed\'s) or a late one', async () => {
    const h = makeHarness();
    await handlePush(h.ctx, push(seedRing));
    await handlePush(h.ctx, push({ ...ring, sessionId: `${ID}.late`, timestamp: NOW - 60_000, ringUntil: NOW - 30_000 }));
    expect(h.fetch.calls).toEqual([]);
  });

  it('shows a late ring as a missed call and rings nowhere', async () => {
    const windows = twoWindows();
    const h = makeHarness({ windows });
    h.setNow(ring.ringUntil + 1);
    expect(await handlePush(h.ctx, push(ring))).toBe('late');

    const shown = h.registration.visible();
    expect(shown.map((n) => n.title)).toEqual(['Missed call from Ada']);
    expect(shown[0]!.options.requireInteraction).toBeFalsy();
    expect(shown[0]!.options.actions).toBeUndefined();
    for (const w of windows) {
      expect(w.messages.some((m) => m.type === 'incoming_call')).toBe(false);
      expect(w.messages).toEqual([{ type: 'call_ended', sessionId: ID, reason: 'unanswered' }]);
    }
    expect(await h.stores.callLog.get(ID)).toMatchObject({ state: 'missed', reason: 'unanswered' });
  });

  it('replaces its own earlier notification for the same call (Safari ignores tags)', async () => {
    const h = makeHarness();
    await handlePush(h.ctx, push(ring));
    await handlePush(h.ctx, push(ring));
    expect(h.registration.shown).toHaveLength(2);
    expect(h.registration.visible()).toHaveLength(1);
  });

  it('does not ring for a call whose end arrived first', async () => {
    const windows = twoWindows();
    const h = makeHarness({ windows });
    await handlePush(h.ctx, push(ended('cancelled')));
    expect(await handlePush(h.ctx, push(ring))).toBe('already-ended');
    expect(h.registration.visible().map((n) => n.title)).toEqual(['Missed call from Ada']);
    expect(h.registration.visible()[0]!.options.requireInteraction).toBeFalsy();
    for (const w of windows) expect(w.messages.map((m) => m.type)).toEqual(['call_ended']);
  });

  it('still shows the notification when the options are refused, with the minimum', async () => {
    const h = makeHarness();
    h.registration.rejectOptions = (options) => options.actions !== undefined;
    await handlePush(h.ctx, push(ring));
    expect(h.registration.visible().map((n) => [n.title, n.tag])).toEqual([['Incoming call from Ada', TAG]]);
  });

  it('shows the ring even when IndexedDB hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const h = makeHarness({ callLog: hangingCallLog });
      void handlePush(h.ctx, push(ring));
      await vi.advanceTimersByTimeAsync(STORE_READ_BUDGET_MS);
      expect(h.registration.visible().map((n) => n.title)).toEqual(['Incoming call from Ada']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still rings when IndexedDB is broken', async () => {
    const windows = twoWindows();
    const h = makeHarness({ windows, callLog: brokenCallLog });
    expect(await handlePush(h.ctx, push(ring))).toBe('ringing');
    expect(h.registration.visible().map((n) => n.title)).toEqual(['Incoming call from Ada']);
    for (const w of windows) expect(w.messages.map((m) => m.type)).toEqual(['incoming_call']);
  });
});

describe('handlePush: call_ended', () => {
  it("closes the ring found by data.sessionId, even under another tag, and shows the outcome under the call's tag", async () => {
    const windows = twoWindows();
    const h = makeHarness({ windows });
    // Rung by an older worker version under another tag; and another call's ring.
    const oldRing = h.registration.seed('Incoming call from Ada', {
      tag: 'legacy-tag',
      data: { kind: 'ringing', sessionId: ID, callerName: 'Ada', callType: 'audio' },
    });
    const otherCall = h.registration.seed('Incoming call from Bob', {
      tag: 'call-other',
      data: { kind: 'ringing', sessionId: 'other', callerName: 'Bob', callType: 'audio' },
    });

    expect(await handlePush(h.ctx, push(ended('cancelled')))).toBe('ended');

    expect(oldRing.closed).toBe(true);
    expect(otherCall.closed).toBe(false);
    const outcome = h.registration.shown.at(-1)!;
    expect([outcome.title, outcome.tag]).toEqual(['Missed call from Ada', TAG]);
    expect(outcome.options.requireInteraction).toBeFalsy();
    expect(outcome.options.actions).toBeUndefined();
    for (const w of windows) expect(w.messages).toEqual([{ type: 'call_ended', sessionId: ID, reason: 'cancelled' }]);
  });

  it.each([
    ['cancelled', 'Missed call from Ada', 'missed'],
    ['unanswered', 'Missed call from Ada', 'missed'],
    ['busy', 'Missed call from Ada', 'missed'],
    ['answered', 'Answered on another device', 'ended'],
    ['declined', 'Call declined', 'declined'],
    ['ended', 'Call ended', 'ended'],
  ])('after a ring, %s → "%s", logged %s', async (reason, title, state) => {
    const h = makeHarness();
    await handlePush(h.ctx, push(ring));
    await handlePush(h.ctx, push(ended(reason)));
    expect(h.registration.visible().map((n) => [n.title, n.tag])).toEqual([[title, TAG]]);
    expect(await h.stores.callLog.get(ID)).toMatchObject({ state, reason, callerName: 'Ada' });
  });

  it('takes the caller name from the call log when the ring is no longer on screen', async () => {
    const h = makeHarness();
    await handlePush(h.ctx, push(ring));
    for (const n of h.registration.visible()) n.close();
    await handlePush(h.ctx, push(ended('unanswered')));
    expect(h.registration.visible().map((n) => n.title)).toEqual(['Missed call from Ada']);
  });

  it('says "Missed call" for a call it never heard of, and remembers it', async () => {
    const h = makeHarness();
    await handlePush(h.ctx, push(ended('cancelled', 'never.rang')));
    expect(h.registration.visible().map((n) => [n.title, n.tag])).toEqual([['Missed call', 'call-never.rang']]);
    expect(await h.stores.callLog.get('never.rang')).toMatchObject({ state: 'missed', reason: 'cancelled' });
  });

  it('says "Call answered" on the device that accepted', async () => {
    const h = makeHarness();
    await handlePush(h.ctx, push(ring));
    await h.stores.callLog.setState(ID, { state: 'accepted' });
    await handlePush(h.ctx, push(ended('answered')));
    expect(h.registration.visible().map((n) => n.title)).toEqual(['Call answered']);
    expect((await h.stores.callLog.get(ID))?.state).toBe('accepted');
  });

  it('still shows the outcome when IndexedDB is broken', async () => {
    const h = makeHarness({ callLog: brokenCallLog });
    await handlePush(h.ctx, push(ring));
    await handlePush(h.ctx, push(ended('answered')));
    expect(h.registration.visible().map((n) => n.title)).toEqual(['Answered on another device']);
  });
});

describe('handlePush: every other push still shows a notification', () => {
  it.each([
    ['no body', null],
    ['an empty body', ''],
    ['not JSON', 'ring ring'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['an array', '[1,2]'],
    ['an empty object', '{}'],
    ['an unknown type', push({ type: 'chat_message', sessionId: ID })],
    ['no type', push({ sessionId: ID, callerName: 'Ada' })],
    ['a ring without session id', push({ ...ring, sessionId: '' })],
    ['a ring without caller name', push({ ...ring, callerName: undefined })],
    ['a call_ended without session id', push({ type: 'call_ended', reason: 'cancelled' })],
  ])('%s', async (_, data) => {
    const windows = twoWindows();
    const h = makeHarness({ windows });
    expect(await handlePush(h.ctx, data)).toBe('unknown');
    expect(h.registration.visible().map((n) => [n.title, n.options.body, n.tag])).toEqual([['RingKit', 'Open RingKit', 'ringkit-unknown']]);
    for (const w of windows) expect(w.messages).toEqual([]);
  });
});

describe('handlePush: the incoming-call scenario', () => {
  it("rings with scenario \"incoming-call\" and Accept/Decline where 'scenario' in Notification.prototype", async () => {
    const h = makeHarness({ incomingCallScenario: true });
    expect(await handlePush(h.ctx, push(ring))).toBe('ringing');
    const [shown] = h.registration.visible();
    expect(shown!.options).toMatchObject({ scenario: 'incoming-call', tag: TAG, requireInteraction: true });
    expect(shown!.options.actions).toEqual([{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }]);
  });

  it('rings exactly as before where the browser does not know the scenario', async () => {
    const withFeature = makeHarness({ incomingCallScenario: false });
    const without = makeHarness();
    await handlePush(withFeature.ctx, push(ring));
    await handlePush(without.ctx, push(ring));
    expect(withFeature.registration.visible()[0]!.options).not.toHaveProperty('scenario');
    expect(withFeature.registration.visible()[0]!.options).toEqual(without.registration.visible()[0]!.options);
  });

  it('lets the open page keep silent when the browser shows the scenario (its own ringtone loops)', async () => {
    const windows = [new FakeWindow(`${ORIGIN}/`)];
    const h = makeHarness({ windows, incomingCallScenario: true });
    h.registration.appliesIncomingCallScenario = true;
    await handlePush(h.ctx, push(ring));
    expect(windows[0]!.messages[0]).toMatchObject({ type: 'incoming_call', notificationRings: true });
  });

  it('lets the page ring when the browser reads the notification back as "default" (Chromium, app not installed)', async () => {
    const windows = [new FakeWindow(`${ORIGIN}/`)];
    const h = makeHarness({ windows, incomingCallScenario: true });
    await handlePush(h.ctx, push(ring));
    expect(windows[0]!.messages[0]).not.toHaveProperty('notificationRings');
  });

  it('shows a late ring as missed, without the scenario', async () => {
    const h = makeHarness({ incomingCallScenario: true });
    h.setNow(ring.ringUntil + 1);
    expect(await handlePush(h.ctx, push(ring))).toBe('late');
    expect(h.registration.visible()[0]!.options).not.toHaveProperty('scenario');
  });
});

describe('handlePush: a Declarative Web Push message', () => {
  const APP = 'https://app.example.com';
  const declaredRing = declarativePush(ring as IncomingCallPayload, APP);
  /** `event.notification` of a mutable declarative push in Safari: the notification it declared. */
  const declared = { title: declaredRing.notification.title, tag: declaredRing.notification.tag };

  it('rings as today, replacing the declared notification with the ringing one', async () => {
    const windows = [new FakeWindow(`${ORIGIN}/`)];
    const h = makeHarness({ windows });
    expect(await handlePush(h.ctx, push(declaredRing), declared)).toBe('ringing');
    const [shown] = h.registration.visible();
    expect(shown!.title).toBe('Incoming call from Ada');
    expect(shown!.options).toMatchObject({ tag: TAG, requireInteraction: true, data: { kind: 'ringing', sessionId: ID, declineToken: 'd.t.k' } });
    expect(windows[0]!.messages[0]).toMatchObject({ type: 'incoming_call', payload: { sessionId: ID } });
  });

  it('leaves a declared notification it cannot read to Safari rather than replace it with a generic one', async () => {
    const h = makeHarness();
    const foreign = { web_push: 8030, notification: { title: 'Your parcel', navigate: `${APP}/parcels` }, mutable: true };
    expect(await handlePush(h.ctx, push(foreign), { title: 'Your parcel' })).toBe('declared');
    expect(h.registration.shown).toHaveLength(0);
  });

  it('shows a declarative message that is not a ring as it declares itself, where the browser does not (Chrome, Firefox)', async () => {
    const h = makeHarness();
    const foreign = { web_push: 8030, notification: { title: 'Your parcel', body: 'Arrives today', navigate: `${APP}/parcels`, tag: 'parcel' } };
    expect(await handlePush(h.ctx, push(foreign))).toBe('declared');
    expect(h.registration.visible()[0]).toMatchObject({ title: 'Your parcel', options: { body: 'Arrives today', tag: 'parcel' } });
  });

  it('closes a declared ring Safari showed by itself (the call’s tag, no data) when the call ends', async () => {
    const h = makeHarness();
    const safarisOwn = h.registration.seed('Incoming call from Ada', { tag: TAG });
    await handlePush(h.ctx, push(declarativePush(ended('cancelled') as CallEndedPayload, APP, { callerName: 'Ada' })));
    expect(safarisOwn.closed).toBe(true);
    expect(h.registration.visible().map((n) => n.title)).toEqual(['Missed call']);
  });
});
