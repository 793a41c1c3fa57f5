import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTopic } from '../../protocol/topic';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, closeStores, storeFactories } from '../support/stores';

const SESSION = 'v1.us.212570a35d379d83.1702625211b9a0c5e2c8f1d3b7a94e6f0d2c8b1a3e5f7d9c1b3a5e7f9d1c3b5a7e9f';
const ring = (recipientUid: string, sessionId = SESSION) => ({ recipientUid, sessionId, callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'video' });

let push: PushService;
beforeAll(async () => {
  push = await startPushService();
});
afterAll(async () => {
  await push.close();
  await cleanupStores();
});

describe.each(storeFactories)('ringing with the $name store', (factory) => {
  let s: TestSender;
  let apiKey: string;
  const call = (url: string, payload: object, key = apiKey) =>
    s.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload });
  /** Rings uid and returns the decline token the ring carried to `device`. */
  const ringForToken = async (uid: string, device: TestDevice, sessionId = SESSION): Promise<string> => {
    await call('/api/calls', ring(uid, sessionId));
    const [ringPush] = await push.waitForCount(device.id, 1);
    return (ringPush!.payload as { declineToken: string }).declineToken;
  };

  let location: string;
  beforeAll(async () => {
    location = await factory.location();
    s = await startTestSender({ push, store: await factory.openAt(location) });
    apiKey = s.secrets.apiKey;
  });
  afterEach(() => push.setDefault(undefined));
  afterAll(async () => {
    await s.close();
    await closeStores();
  });

  it("rings every device of the callee with the design's payload, TTL 30, urgency high and the call's topic", async () => {
    const phone = await s.addDevice('grace');
    const laptop = await s.addDevice('grace');
    const other = await s.addDevice('someone-else');
    const before = Date.now();
    const res = await call('/api/calls', ring('grace'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ devices: 2, delivered: 2, purged: 0, failed: 0, pending: 0 });

    for (const device of [phone, laptop]) {
      const [got] = await push.waitForCount(device.id, 1);
      expect(got!.vapid).toMatchObject({ valid: true, publicKey: s.secrets.vapid.publicKey });
      expect(got!.headers).toMatchObject({ ttl: 30, urgency: 'high', topic: callTopic(SESSION), contentEncoding: 'aes128gcm' });
      const payload = got!.payload as Record<string, unknown>;
      expect(payload).toMatchObject({ type: 'incoming_call', v: 1, sessionId: SESSION, callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'video' });
      expect(payload.timestamp).toBeGreaterThanOrEqual(before);
      expect(payload.ringUntil).toBe((payload.timestamp as number) + 30_000);
      expect(typeof payload.declineToken).toBe('string');
    }
    expect(other.received).toHaveLength(0);
    const outcomes = (await s.store.listByUser('grace')).map((d) => d.lastOutcome);
    expect(outcomes).toEqual(['delivered', 'delivered']);
  });

  it('answers a ring to a user without devices with zero counts', async () => {
    const res = await call('/api/calls', ring('nobody'));
    expect(res.json()).toEqual({ devices: 0, delivered: 0, purged: 0, failed: 0, pending: 0 });
  });

  it('stops the ringing with call_ended under the same topic on every device', async () => {
    const a = await s.addDevice('hedy');
    const b = await s.addDevice('hedy');
    await call('/api/calls', ring('hedy'));
    const res = await call(`/api/calls/${encodeURIComponent(SESSION)}/cancel`, { recipientUid: 'hedy', reason: 'answered' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ devices: 2, delivered: 2 });
    for (const device of [a, b]) {
      const [ringPush, endPush] = await push.waitForCount(device.id, 2);
      expect(endPush!.headers.topic).toBe(ringPush!.headers.topic);
      expect(endPush!.payload).toMatchObject({ type: 'call_ended', v: 1, sessionId: SESSION, reason: 'answered' });
    }
  });

  it('cancels with reason "cancelled" when none is given', async () => {
    const d = await s.addDevice('ida');
    await call(`/api/calls/${encodeURIComponent(SESSION)}/cancel`, { recipientUid: 'ida' });
    const [got] = await push.waitForCount(d.id, 1);
    expect(got!.payload).toMatchObject({ type: 'call_ended', reason: 'cancelled' });
  });

  it('purges a device the push service says is gone (404, 410) and still rings the others', async () => {
    const gone = await s.addDevice('joan');
    const notFound = await s.addDevice('joan');
    const alive = await s.addDevice('joan');
    push.script(gone.id, { status: 410 });
    push.script(notFound.id, { status: 404 });
    const res = await call('/api/calls', ring('joan'));
    expect(res.json()).toEqual({ devices: 3, delivered: 1, purged: 2, failed: 0, pending: 0 });
    expect((await s.store.listByUser('joan')).map((d) => d.endpoint)).toEqual([alive.endpoint]);
  });

  it.each([400, 401, 403, 413])('keeps a device whose push was refused with %i, and counts it failed', async (status) => {
    const d = await s.addDevice(`kay-${status}`);
    push.script(d.id, { status });
    const res = await call('/api/calls', ring(`kay-${status}`));
    expect(res.json()).toEqual({ devices: 1, delivered: 0, purged: 0, failed: 1, pending: 0 });
    const [kept] = await s.store.listByUser(`kay-${status}`);
    expect(kept?.lastOutcome).toBe(`failed:${status}`);
  });

  it.each([
    ['500', { status: 500 }],
    ['503', { status: 503 }],
    ['a reset connection', { reset: true as const }],
    ['429 with Retry-After: 1', { status: 429, headers: { 'Retry-After': '1' } }],
  ])('retries after %s and delivers, keeping the device', async (_name, fault) => {
    const d = await s.addDevice('lin');
    push.script(d.id, fault);
    const started = Date.now();
    const res = await call('/api/calls', ring('lin'));
    expect(res.json()).toMatchObject({ devices: 1, delivered: 1, purged: 0, failed: 0 });
    const pushes = await push.waitForCount(d.id, 2);
    if ('headers' in fault) expect(pushes[1]!.at - started).toBeGreaterThanOrEqual(1000);
    // the retry's TTL never reaches past the ring's end
    expect(pushes[1]!.headers.ttl).toBeLessThanOrEqual(30);
    expect(await s.store.listByUser('lin')).toHaveLength(1);
    await s.store.remove('lin', d.endpoint);
  });

  it('declines from the notification with the token the ring carried', async () => {
    const a = await s.addDevice('mae');
    const b = await s.addDevice('mae');
    const declineToken = await ringForToken('mae', a);
    const res = await s.inject({ method: 'POST', url: `/api/calls/${encodeURIComponent(SESSION)}/decline`, headers: { authorization: `Bearer ${declineToken}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ devices: 2, delivered: 2 });
    const [, ended] = await push.waitForCount(b.id, 2);
    expect(ended!.payload).toMatchObject({ type: 'call_ended', sessionId: SESSION, reason: 'declined' });
  });

  describe('a decline/answer token', () => {
    const use = (sender: TestSender, what: 'decline' | 'answer', token: string, sessionId = SESSION) =>
      sender.inject({ method: 'POST', url: `/api/calls/${encodeURIComponent(sessionId)}/${what}`, headers: { authorization: `Bearer ${token}` } });

    it('acts once: a replay stops nothing again and says the ring is over (409)', async () => {
      const a = await s.addDevice('rae');
      const b = await s.addDevice('rae');
      const token = await ringForToken('rae', a);
      expect((await use(s, 'decline', token)).statusCode).toBe(200);
      await push.waitForCount(b.id, 2);
      for (const what of ['decline', 'answer', 'decline'] as const) {
        const replay = await use(s, what, token);
        expect([replay.statusCode, replay.json().error.code]).toEqual([409, 'ring_over']);
      }
      await s.app.drain();
      expect([a.received.length, b.received.length]).toEqual([2, 2]); // the ring and one call_ended, no more
    });

    it('does nothing once the caller cancelled the ring', async () => {
      const a = await s.addDevice('sol');
      const token = await ringForToken('sol', a, 'session-cancelled');
      expect((await call(`/api/calls/session-cancelled/cancel`, { recipientUid: 'sol' })).statusCode).toBe(200);
      const late = await use(s, 'answer', token, 'session-cancelled');
      expect([late.statusCode, late.json().error.code]).toEqual([409, 'ring_over']);
      await s.app.drain();
      expect(a.received).toHaveLength(2);
    });

    it('acts on its own ring only: the same call rung again is another ring, which the earlier notification cannot decline', async () => {
      const a = await s.addDevice('val');
      const earlier = await ringForToken('val', a, 'session-rung-again');
      expect((await call('/api/calls', ring('val', 'session-rung-again'))).statusCode).toBe(200);
      const [, again] = await push.waitForCount(a.id, 2);
      const current = (again!.payload as { declineToken: string }).declineToken;
      const stale = await use(s, 'decline', earlier, 'session-rung-again');
      expect([stale.statusCode, stale.json().error.code]).toEqual([409, 'ring_over']);
      expect((await use(s, 'decline', current, 'session-rung-again')).statusCode).toBe(200);
      const [, , ended] = await push.waitForCount(a.id, 3);
      expect(ended!.payload).toMatchObject({ type: 'call_ended', sessionId: 'session-rung-again', reason: 'declined' });
    });

    it('acts only while its ring lasts, yet verifies a bounded while after it: a late answer hears "the ring is over", not "bad token"', async () => {
      const a = await s.addDevice('tam');
      const token = await ringForToken('tam', a);
      const { ringUntil } = a.received[0]!.payload as { ringUntil: number };
      const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
      expect(exp * 1000).toBeGreaterThan(ringUntil);
      expect(exp * 1000).toBeLessThanOrEqual(ringUntil + 10 * 60_000 + 999);
    });

    it('acts once across sender instances sharing the store', async () => {
      const other = await startTestSender({
        push,
        store: await factory.openAt(location),
        env: { RINGKIT_AUTH_SECRET: s.secrets.authSecret, RINGKIT_API_KEY: apiKey, VAPID_PUBLIC_KEY: s.secrets.vapid.publicKey, VAPID_PRIVATE_KEY: s.secrets.vapid.privateKey },
      });
      try {
        const a = await s.addDevice('uma');
        const token = await ringForToken('uma', a);
        const [first, second] = await Promise.all([use(s, 'decline', token), use(other, 'decline', token)]);
        expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
        expect((await use(other, 'answer', token)).statusCode).toBe(409);
        await Promise.all([s.app.drain(), other.app.drain()]);
        expect(a.received).toHaveLength(2);
      } finally {
        await other.close();
      }
    });
  });

  it('refuses a decline token for another call (403), a user token (401) and no token (401)', async () => {
    const a = await s.addDevice('nia');
    const declineToken = await ringForToken('nia', a, 'session-one');
    const decline = (sessionId: string, token?: string) =>
      s.inject({ method: 'POST', url: `/api/calls/${sessionId}/decline`, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const wrongCall = await decline('session-two', declineToken);
    expect([wrongCall.statusCode, wrongCall.json().error.code]).toEqual([403, 'token_wrong_session']);
    expect((await decline('session-one', await s.userToken('nia'))).statusCode).toBe(401);
    expect((await decline('session-one')).statusCode).toBe(401);
    // and a decline token is no user token
    const asUser = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${declineToken}` }, payload: { subscription: push.subscribe().subscription } });
    expect(asUser.statusCode).toBe(401);
    expect(a.received).toHaveLength(1);
  });

  it('answers from one device: its other devices stop ringing with "answered", the answering one gets nothing more', async () => {
    const phone = await s.addDevice('ola');
    const laptop = await s.addDevice('ola');
    const tablet = await s.addDevice('ola');
    const declineToken = await ringForToken('ola', phone);
    const res = await s.inject({
      method: 'POST',
      url: `/api/calls/${encodeURIComponent(SESSION)}/answer`,
      headers: { authorization: `Bearer ${declineToken}` },
      payload: { endpoint: phone.endpoint },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ devices: 2, delivered: 2, purged: 0, failed: 0, pending: 0 });
    for (const other of [laptop, tablet]) {
      const [, ended] = await push.waitForCount(other.id, 2);
      expect(ended!.payload).toMatchObject({ type: 'call_ended', sessionId: SESSION, reason: 'answered' });
      expect(ended!.headers.topic).toBe(callTopic(SESSION));
    }
    expect(phone.received).toHaveLength(1);
  });

  it('answers without naming the device: every device hears "answered"', async () => {
    const a = await s.addDevice('pia');
    const b = await s.addDevice('pia');
    const declineToken = await ringForToken('pia', a);
    const res = await s.inject({ method: 'POST', url: `/api/calls/${encodeURIComponent(SESSION)}/answer`, headers: { authorization: `Bearer ${declineToken}` } });
    expect(res.json()).toMatchObject({ devices: 2, delivered: 2 });
    for (const d of [a, b]) expect((await push.waitForCount(d.id, 2))[1]!.payload).toMatchObject({ reason: 'answered' });
  });

  it('refuses an answer with a token for another call (403), no token (401) or a malformed endpoint (400)', async () => {
    const a = await s.addDevice('quin');
    const declineToken = await ringForToken('quin', a, 'session-one');
    const answer = (sessionId: string, token?: string, payload?: object) =>
      s.inject({ method: 'POST', url: `/api/calls/${sessionId}/answer`, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload ? { payload } : {}) });
    const wrongCall = await answer('session-two', declineToken);
    expect([wrongCall.statusCode, wrongCall.json().error.code]).toEqual([403, 'token_wrong_session']);
    expect((await answer('session-one')).statusCode).toBe(401);
    const bad = await answer('session-one', declineToken, { endpoint: 42 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(a.received).toHaveLength(1);
  });

  it.each([
    ['no API key', undefined, 401],
    ['a wrong API key', 'wrong', 401],
  ])('refuses to ring with %s', async (_name, key, status) => {
    const res = await s.inject({ method: 'POST', url: '/api/calls', headers: key ? { authorization: `Bearer ${key}` } : {}, payload: ring('grace') });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toMatch(/^api_key_/);
  });

  it.each([
    ['a missing sessionId', { recipientUid: 'x', callerName: 'A', callerUid: 'a', callType: 'audio' }],
    ['an unknown callType', { ...ring('x'), callType: 'hologram' }],
    ['a number for callerName', { ...ring('x'), callerName: 42 }],
    ['a caller name of 10 kB', { ...ring('x'), callerName: 'x'.repeat(10_000) }],
  ])('refuses a ring with %s (4xx, nothing sent)', async (_name, body) => {
    const before = push.received.length;
    const res = await call('/api/calls', body);
    expect(res.statusCode === 400 || res.statusCode === 413).toBe(true);
    expect(res.json().error).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect(push.received.length).toBe(before);
  });

  it('refuses a cancel with an unknown reason', async () => {
    const res = await call('/api/calls/s1/cancel', { recipientUid: 'x', reason: 'vanished' });
    expect(res.statusCode).toBe(400);
  });

  it('tells /healthz the store is reachable', async () => {
    const res = await s.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', store: 'ok' });
  });
});
