/**
 * Pushes to Apple's push service go out as mutable Declarative Web Push
 * messages (Safari shows them even when the worker cannot run); every other
 * push service gets RingKit's plain payload. Apple's host is routed to the
 * loopback push service, which decrypts what the sender sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMutable, parseDeclarativeMessage } from '../../protocol/declarative';
import { parsePushPayload } from '../../protocol/payload';
import type { PushTransport } from '../../server/push/transport';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';

const APPLE = 'https://web.push.apple.com';
const APP_URL = 'https://app.ringkit.example';
const SESSION = 'v1.us.212570a35d379d83.1702625211b9a0';

let push: PushService;
/** What a DNS answer would do: Apple's host reaches the loopback push service. */
const toLoopback = (transport: PushTransport): PushTransport => ({
  post: (request, deadlineMs) => transport.post({ ...request, endpoint: request.endpoint.replace(APPLE, push.origin) }, deadlineMs),
  close: () => transport.close(),
});

beforeAll(async () => {
  // The VAPID JWT names Apple as its audience, not the stand-in: checked below instead.
  push = await startPushService({ requireValidVapid: false });
});
afterAll(() => push.close());

async function startSender(env: NodeJS.ProcessEnv = {}): Promise<TestSender> {
  return startTestSender({ push, wrapTransport: toLoopback, env: { RINGKIT_PUSH_HOSTS: '127.0.0.1,web.push.apple.com', ...env } });
}

/** A Safari device: the push service's test device, registered under Apple's endpoint host. */
async function addAppleDevice(s: TestSender, uid: string): Promise<TestDevice> {
  const device = push.subscribe();
  const res = await s.inject({
    method: 'POST',
    url: '/api/push/subscriptions',
    headers: { authorization: `Bearer ${await s.userToken(uid)}` },
    payload: { subscription: { ...device.subscription, endpoint: device.endpoint.replace(push.origin, APPLE) } },
  });
  expect(res.statusCode).toBe(201);
  return device;
}

describe('a ring to a Safari device', () => {
  let s: TestSender;
  let safari: TestDevice;
  let firefox: TestDevice;
  const call = (url: string, payload: object) => s.inject({ method: 'POST', url, headers: { authorization: `Bearer ${s.secrets.apiKey}` }, payload });

  beforeAll(async () => {
    s = await startSender({ RINGKIT_APP_URL: APP_URL });
    safari = await addAppleDevice(s, 'grace');
    firefox = await s.addDevice('grace');
    const res = await call('/api/calls', { recipientUid: 'grace', sessionId: SESSION, callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'video' });
    expect(res.json()).toMatchObject({ devices: 2, delivered: 2 });
  });
  afterAll(() => s.close());

  it('is a mutable declarative message linking to the call screen on RINGKIT_APP_URL', async () => {
    const [got] = await push.waitForCount(safari.id, 1);
    expect(got!.vapid.claims?.aud).toBe(APPLE);
    const parsed = parseDeclarativeMessage(got!.text!);
    expect(parsed.ok && isMutable(parsed.message)).toBe(true);
    expect(parsed.ok && parsed.message.notification).toEqual({
      title: 'Incoming call from Ada Lovelace',
      body: 'Video call',
      navigate: `${APP_URL}/call/${SESSION}?action=open`,
      tag: `call-${SESSION}`,
      silent: false,
      mutable: true,
    });
  });

  it('carries the ring the worker rings with', async () => {
    const [got] = await push.waitForCount(safari.id, 1);
    const parsed = parsePushPayload(got!.text!);
    expect(parsed.ok && parsed.payload).toMatchObject({ type: 'incoming_call', sessionId: SESSION, callerName: 'Ada Lovelace', callType: 'video' });
    expect(parsed.ok && parsed.payload.type === 'incoming_call' && typeof parsed.payload.declineToken).toBe('string');
  });

  it('leaves other push services with the plain payload', async () => {
    const [got] = await push.waitForCount(firefox.id, 1);
    expect(got!.vapid.valid).toBe(true);
    expect(got!.payload).not.toHaveProperty('web_push');
    expect(got!.payload).toMatchObject({ type: 'incoming_call', sessionId: SESSION });
  });

  it('turns into a declared missed call from the caller when the caller hangs up', async () => {
    await call(`/api/calls/${encodeURIComponent(SESSION)}/cancel`, { recipientUid: 'grace', reason: 'cancelled' });
    const [, stop] = await push.waitForCount(safari.id, 2);
    const parsed = parseDeclarativeMessage(stop!.text!);
    expect(parsed.ok && parsed.message.notification).toMatchObject({ title: 'Missed call from Ada Lovelace', body: 'Video call', tag: `call-${SESSION}`, silent: true });
    expect(parsePushPayload(stop!.text!)).toMatchObject({ ok: true, payload: { type: 'call_ended', reason: 'cancelled' } });
    const [, plainStop] = await push.waitForCount(firefox.id, 2);
    expect(plainStop!.payload).not.toHaveProperty('web_push');
  });
});

describe('a stop handled by another sender instance on the same store', () => {
  it('still names the caller: who called is kept with the ring, not in the instance that rang', async () => {
    const s = await startSender({ RINGKIT_APP_URL: APP_URL });
    const other = await startTestSender({
      push, wrapTransport: toLoopback, store: s.store,
      env: { RINGKIT_PUSH_HOSTS: '127.0.0.1,web.push.apple.com', RINGKIT_APP_URL: APP_URL, RINGKIT_API_KEY: s.secrets.apiKey, RINGKIT_AUTH_SECRET: s.secrets.authSecret, VAPID_PUBLIC_KEY: s.secrets.vapid.publicKey, VAPID_PRIVATE_KEY: s.secrets.vapid.privateKey },
    });
    try {
      const safari = await addAppleDevice(s, 'joan');
      const headers = { authorization: `Bearer ${s.secrets.apiKey}` };
      const rang = await s.inject({ method: 'POST', url: '/api/calls', headers, payload: { recipientUid: 'joan', sessionId: 'v1.us.elsewhere', callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'audio' } });
      expect(rang.json()).toMatchObject({ delivered: 1 });
      await other.inject({ method: 'POST', url: '/api/calls/v1.us.elsewhere/cancel', headers, payload: { recipientUid: 'joan' } });
      const [, stop] = await push.waitForCount(safari.id, 2);
      const parsed = parseDeclarativeMessage(stop!.text!);
      expect(parsed.ok && parsed.message.notification).toMatchObject({ title: 'Missed call from Ada Lovelace', body: 'Audio call' });
    } finally {
      await other.close();
      await s.close();
    }
  });
});

describe('without RINGKIT_APP_URL', () => {
  it("links to the sender's own origin", async () => {
    const s = await startSender();
    try {
      const address = await s.app.http.listen({ port: 0, host: '127.0.0.1' });
      const safari = await addAppleDevice(s, 'hedy');
      await s.inject({
        method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
        payload: { recipientUid: 'hedy', sessionId: 'own-origin', callerName: 'Ada', callerUid: 'ada', callType: 'audio' },
      });
      const [got] = await push.waitForCount(safari.id, 1);
      const parsed = parseDeclarativeMessage(got!.text!);
      expect(parsed.ok && parsed.message.notification.navigate).toBe(`${address}/call/own-origin?action=open`);
    } finally {
      await s.close();
    }
  });
});
