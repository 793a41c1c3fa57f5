import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { handlePageMessage } from '../../sw/handle-message';
import { base64UrlToBytes } from '../../browser-shared/base64url';
import { handleSubscriptionChange } from '../../sw/handle-subscription-change';
import { FakeSubscription, makeHarness, ORIGIN, type Harness } from './fakes';

// A P-256 public key as the sender's GET /api/push/public-key returns it.
const VAPID_KEY = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
const CONFIG = { senderUrl: 'https://push.example.com', vapidPublicKey: VAPID_KEY, userToken: 'u.t.k' };
/** Independent of the code under test (no Buffer: these tests type-check without Node's types). */
const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const OLD = new FakeSubscription('https://push.example.net/old');

async function configured(): Promise<Harness> {
  const h = makeHarness();
  await h.stores.settings.setSubscriptionConfig(CONFIG);
  return h;
}

describe('handleSubscriptionChange', () => {
  it('subscribes again with the stored key and registers the new subscription with the sender', async () => {
    const h = await configured();
    expect(await handleSubscriptionChange(h.ctx, OLD, null)).toBe('registered');

    expect(h.registration.subscribeCalls).toHaveLength(1);
    const [options] = h.registration.subscribeCalls;
    expect(options!.userVisibleOnly).toBe(true);
    expect(toBase64Url(options!.applicationServerKey)).toBe(VAPID_KEY);
    expect(options!.applicationServerKey).toHaveLength(65);

    const [post, del] = h.fetch.calls;
    expect(post!.url).toBe('https://push.example.com/api/push/subscriptions');
    expect(post!.init.method).toBe('POST');
    expect(post!.init.headers).toMatchObject({ Authorization: 'Bearer u.t.k', 'Content-Type': 'application/json' });
    expect(JSON.parse(post!.init.body!)).toEqual({ subscription: h.registration.nextSubscription.toJSON() });
    // The old device goes, best effort.
    expect(del!.url).toBe('https://push.example.com/api/push/subscriptions');
    expect(del!.init.method).toBe('DELETE');
    expect(del!.init.headers).toMatchObject({ Authorization: 'Bearer u.t.k' });
    expect(JSON.parse(del!.init.body!)).toEqual({ endpoint: OLD.endpoint });
    expect(h.fetch.calls).toHaveLength(2);
  });

  it('registers the subscription the browser already made, without subscribing', async () => {
    const h = await configured();
    const fresh = new FakeSubscription('https://push.example.net/fresh');
    await handleSubscriptionChange(h.ctx, OLD, fresh);
    expect(h.registration.subscribeCalls).toEqual([]);
    expect(JSON.parse(h.fetch.calls[0]!.init.body!)).toEqual({ subscription: fresh.toJSON() });
  });

  it('uses an existing subscription when the event carries none', async () => {
    const h = await configured();
    h.registration.currentSubscription = new FakeSubscription('https://push.example.net/existing');
    await handleSubscriptionChange(h.ctx, null, null);
    expect(h.registration.subscribeCalls).toEqual([]);
    expect(JSON.parse(h.fetch.calls[0]!.init.body!).subscription.endpoint).toBe('https://push.example.net/existing');
    expect(h.fetch.calls).toHaveLength(1);
  });

  it('does not delete when the endpoint stayed the same', async () => {
    const h = await configured();
    await handleSubscriptionChange(h.ctx, OLD, new FakeSubscription(OLD.endpoint));
    expect(h.fetch.calls.map((c) => c.init.method)).toEqual(['POST']);
  });

  it("uses the worker's origin when no sender URL is stored", async () => {
    const h = makeHarness();
    await h.stores.settings.setSubscriptionConfig({ vapidPublicKey: VAPID_KEY, userToken: 'u.t.k' });
    await handleSubscriptionChange(h.ctx, null, null);
    expect(h.fetch.calls[0]!.url).toBe(`${ORIGIN}/api/push/subscriptions`);
  });

  it('does nothing without a stored config', async () => {
    const h = makeHarness();
    expect(await handleSubscriptionChange(h.ctx, OLD, null)).toBe('no-config');
    expect(h.registration.subscribeCalls).toEqual([]);
    expect(h.fetch.calls).toEqual([]);
    expect(h.logs.join('\n')).toMatch(/no subscription config/);
  });

  it.each([
    ['the sender refuses the token', 401],
    ['the network fails', new TypeError('Failed to fetch')],
  ])('reports a failed registration when %s, and keeps the old device', async (_, answer) => {
    const h = await configured();
    h.fetch.answer = () => answer;
    expect(await handleSubscriptionChange(h.ctx, OLD, null)).toBe('register-failed');
    expect(h.fetch.calls.map((c) => c.init.method)).toEqual(['POST']);
  });

  it('does not fail when removing the old device fails', async () => {
    const h = await configured();
    h.fetch.answer = (call) => (call.init.method === 'DELETE' ? new TypeError('Failed to fetch') : 201);
    expect(await handleSubscriptionChange(h.ctx, OLD, null)).toBe('registered');
  });

  it('reports a failed subscribe (permission revoked)', async () => {
    const h = await configured();
    h.registration.pushManager.subscribe = async () => {
      throw new DOMException('Registration failed - permission denied', 'NotAllowedError');
    };
    expect(await handleSubscriptionChange(h.ctx, OLD, null)).toBe('subscribe-failed');
    expect(h.fetch.calls).toEqual([]);
  });

  it('uses the config a page posted', async () => {
    const h = makeHarness();
    await handlePageMessage(h.ctx, { type: 'set_subscription_config', config: CONFIG }, async () => {});
    await handleSubscriptionChange(h.ctx, null, null);
    expect(h.fetch.calls[0]!.url).toBe('https://push.example.com/api/push/subscriptions');
  });
});

describe('base64UrlToBytes', () => {
  it.each(['', 'AA', 'AAE', '_-8', VAPID_KEY])('%s', (value) => {
    expect(toBase64Url(base64UrlToBytes(value))).toBe(value);
  });
});
