import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { parseCometChatCredentials, type CometChatCredentials } from '../../browser-shared/cometchat-credentials';
import { callStatusRequest, clientApiBase, tokenSubject } from '../../sw/cometchat-answer';
import { handleNotificationClick } from '../../sw/handle-click';
import type { NotificationData } from '../../sw/notification-options';
import { FakeNotification, FakeSubscription, makeHarness, NOW, ORIGIN } from './fakes';

const ID = 'v1.us.212570a35d379d83.1702625211';
/** A decline token for "ada" (HS256 JWT; the worker only reads its sub). */
const token = (sub: string) => `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ sub, sid: ID })).replace(/=+$/, '')}.sig`;
const ADA: CometChatCredentials = { uid: 'ada', authToken: 'ada-cometchat-token', appId: 'app123', region: 'eu' };
const ringData: NotificationData = { kind: 'ringing', sessionId: ID, callerName: 'Grace', callType: 'video', declineToken: token('ada'), ringUntil: NOW + 30_000 };
const ringing = () => new FakeNotification('Incoming call from Grace', { tag: `call-${ID}`, data: ringData });

async function harness(credentials: CometChatCredentials | undefined, answer?: (url: string) => number) {
  const h = makeHarness();
  await h.stores.callLog.put({ sessionId: ID, callerName: 'Grace', callType: 'video', receivedAt: NOW, state: 'ringing' });
  if (credentials) await h.stores.settings.setCometChatCredentials(credentials);
  if (answer) h.fetch.answer = ({ url }) => answer(url);
  return h;
}

describe("the Chat SDK's call-status request, made by the worker", () => {
  it("is CometChat's client API by default, or the overridden host with its own path", () => {
    expect(clientApiBase(ADA)).toBe('https://app123.apiclient-eu.cometchat.io/v3.0');
    expect(clientApiBase({ ...ADA, clientHost: '127.0.0.1:9443/v3.0' })).toBe('https://127.0.0.1:9443/v3.0');
    expect(callStatusRequest(ADA, ID, 'rejected')).toEqual({
      url: `https://app123.apiclient-eu.cometchat.io/v3.0/calls/${ID}`,
      method: 'PUT',
      headers: { appId: 'app123', authToken: 'ada-cometchat-token', Accept: 'application/json', 'Content-Type': 'application/json' },
      body: '{"status":"rejected"}',
    });
  });

  it('reads the callee from the ring token, and refuses incomplete stored credentials', () => {
    expect(tokenSubject(token('ada'))).toBe('ada');
    expect(tokenSubject('not a jwt')).toBeUndefined();
    expect(tokenSubject(undefined)).toBeUndefined();
    expect(parseCometChatCredentials({ ...ADA, authToken: '' })).toBeUndefined();
    expect(parseCometChatCredentials({ ...ADA, clientHost: 'h' })).toEqual({ ...ADA, clientHost: 'h' });
  });
});

describe('Decline on the notification, with CometChat', () => {
  it('tells CometChat "rejected" with the callee\'s token first, then the sender', async () => {
    const h = await harness(ADA);
    expect(await handleNotificationClick(h.ctx, ringing(), 'decline')).toBe('declined');
    expect(h.fetch.calls.map((c) => [c.init.method, c.url])).toEqual([
      ['PUT', `https://app123.apiclient-eu.cometchat.io/v3.0/calls/${ID}`],
      ['POST', `${ORIGIN}/api/calls/${ID}/decline`],
    ]);
    expect(h.fetch.calls[0]!.init).toMatchObject({ headers: { authToken: 'ada-cometchat-token', appId: 'app123' }, body: '{"status":"rejected"}' });
    expect(h.clients.opened).toEqual([]);
  });

  it("never uses another user's CometChat login", async () => {
    const h = await harness({ ...ADA, uid: 'grace' });
    expect(await handleNotificationClick(h.ctx, ringing(), 'decline')).toBe('declined');
    expect(h.fetch.calls.map((c) => c.url)).toEqual([`${ORIGIN}/api/calls/${ID}/decline`]);
  });

  it.each([
    ['refuses', () => 500],
    ['cannot be reached', () => new Error('offline')],
  ])('when CometChat %s: the ring stays, saying so, and the sender is not told (the call still rings for the caller)', async (_name, fail) => {
    const h = await harness(ADA);
    h.fetch.answer = ({ url }) => (url.includes('cometchat') ? fail() : 200);
    expect(await handleNotificationClick(h.ctx, ringing(), 'decline')).toBe('decline-retry');
    expect(h.fetch.calls.map((c) => c.init.method)).toEqual(['PUT']);
    const shown = h.registration.shown.at(-1)!;
    expect(shown.title).toBe('Couldn’t decline the call from Grace');
    expect(shown.options).toMatchObject({ tag: `call-${ID}`, requireInteraction: true, data: ringData, actions: [{ action: 'accept' }, { action: 'decline' }] });
    // Decline again, once CometChat is back: it goes through.
    h.fetch.answer = () => 200;
    expect(await handleNotificationClick(h.ctx, shown, 'decline')).toBe('declined');
  });

  it('a decline the sender answers 409 (the ring already ended) counts as declined', async () => {
    const h = await harness(undefined, (url) => (url.endsWith('/decline') ? 409 : 200));
    expect(await handleNotificationClick(h.ctx, ringing(), 'decline')).toBe('declined');
  });
});

describe('Accept on the notification, with CometChat', () => {
  it('opens the call screen and leaves telling to it (CometChat first, then the sender)', async () => {
    const h = await harness(ADA);
    h.registration.currentSubscription = new FakeSubscription('https://push.example.net/this-device');
    expect(await handleNotificationClick(h.ctx, ringing(), 'accept')).toBe('opened');
    expect(h.clients.opened).toEqual([`${ORIGIN}/call/${ID}?action=accept`]);
    expect(h.fetch.calls).toEqual([]);
  });
});
