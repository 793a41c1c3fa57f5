import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevicesResponse, DevSessionResponse } from '../../protocol/api';
import { loadConfig } from '../../server/config';
import { startTestSender, type TestSender } from '../support/sender';

let s: TestSender;
beforeAll(async () => {
  s = await startTestSender({ subscriptionWritesPerMinute: 1000 });
});
afterAll(() => s.close());

const signIn = async (name: string): Promise<DevSessionResponse> => {
  const res = await s.inject({ method: 'POST', url: '/api/dev/session', payload: { name } });
  expect(res.statusCode).toBe(200);
  return res.json();
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the development sign-in', () => {
  it('turns a typed name into a user token the device endpoints accept', async () => {
    const session = await signIn('  Ada   Lovelace ');
    expect(session).toMatchObject({ uid: 'ada-lovelace', name: 'Ada   Lovelace' });
    expect(session.expiresAt).toBeGreaterThan(Date.now());
    const device = s.push.subscribe();
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: bearer(session.token), payload: { subscription: device.subscription } });
    expect(res.statusCode).toBe(201);
    expect((await s.store.listByUser('ada-lovelace')).map((d) => d.endpoint)).toEqual([device.endpoint]);
  });

  it.each([
    ['no name', {}],
    ['a blank name', { name: '   ' }],
    ['a name of 65 characters', { name: 'x'.repeat(65) }],
    ['a number', { name: 42 }],
  ])('refuses %s with a 400', async (_what, payload) => {
    const res = await s.inject({ method: 'POST', url: '/api/dev/session', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('is never on in production, and refuses to start there when asked for', async () => {
    const production = { NODE_ENV: 'production', VAPID_SUBJECT: 'mailto:ops@ringkit.example' };
    expect(loadConfig(production).devLogin).toBe(false);
    // Was: only a warning. Anyone reaching the sender could sign in as anyone.
    expect(() => loadConfig({ ...production, RINGKIT_DEV_LOGIN: '1' })).toThrow(/refusing to start with RINGKIT_DEV_LOGIN on in production/);
    expect(loadConfig({}).devLogin).toBe(true);
    // reachable from other machines: only when asked for
    expect(loadConfig({ HOST: '0.0.0.0' }).devLogin).toBe(false);
    expect(loadConfig({ HOST: '0.0.0.0', RINGKIT_DEV_LOGIN: '1' }).devLogin).toBe(true);
    expect(loadConfig({ RINGKIT_DEV_LOGIN: '0' }).devLogin).toBe(false);
    expect(() => loadConfig({ RINGKIT_DEV_LOGIN: 'maybe' })).toThrow(/RINGKIT_DEV_LOGIN/);

    const off = await startTestSender({ env: { RINGKIT_DEV_LOGIN: '0' } });
    try {
      const res = await off.inject({ method: 'POST', url: '/api/dev/session', payload: { name: 'mallory' } });
      expect(res.statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });

  it.each(['prod', 'staging', 'Production', 'DEVELOPMENT', ' development'])('counts NODE_ENV=%j as production: no development sign-in', (nodeEnv) => {
    const env = { NODE_ENV: nodeEnv, VAPID_SUBJECT: 'mailto:ops@ringkit.example' };
    expect(loadConfig(env)).toMatchObject({ development: false, devLogin: false });
    expect(() => loadConfig({ ...env, RINGKIT_DEV_LOGIN: '1' })).toThrow(/production/);
  });

  it.each(['development', 'test', ''])('counts NODE_ENV=%j as development', (nodeEnv) => {
    expect(loadConfig({ NODE_ENV: nodeEnv }).development).toBe(true);
  });

  it.each<[string, Record<string, string>, string?]>([
    ['X-Forwarded-For (nginx, a tunnel)', { 'x-forwarded-for': '203.0.113.9' }],
    ['X-Forwarded-Proto alone', { 'x-forwarded-proto': 'https' }],
    ['X-Forwarded-Host', { 'x-forwarded-host': 'ringkit.example.com' }],
    ['Forwarded (RFC 7239)', { forwarded: 'for=203.0.113.9;proto=https' }],
    ['a Host naming another machine', { host: 'ringkit.example.com' }],
    ['a Host naming a LAN address', { host: '192.168.1.20:8080' }],
    ['a direct request from another machine', {}, '192.168.1.30'],
  ])('refuses a request that came through a proxy or from elsewhere: %s', async (_what, headers, remoteAddress) => {
    const res = await s.inject({ method: 'POST', url: '/api/dev/session', headers, payload: { name: 'mallory' }, ...(remoteAddress ? { remoteAddress } : {}) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'dev_route_refused' } });
    const token = (await signIn('Eve')).token;
    const call = await s.inject({ method: 'POST', url: '/api/dev/calls', headers: { ...headers, ...bearer(token) }, payload: { recipientUid: 'grace' }, ...(remoteAddress ? { remoteAddress } : {}) });
    expect(call.statusCode).toBe(403);
  });

  it.each(['localhost:8080', '127.0.0.1:5173', '[::1]:8080', 'localhost'])('answers a direct request on this machine (Host %s)', async (host) => {
    const res = await s.inject({ method: 'POST', url: '/api/dev/session', headers: { host }, payload: { name: 'ada' } });
    expect(res.statusCode).toBe(200);
  });
});

describe('a development call', () => {
  it("rings the callee's devices with the caller's signed-in name, through the ring path", async () => {
    const grace = await s.addDevice('grace');
    const caller = await signIn('Ada');
    const res = await s.inject({ method: 'POST', url: '/api/dev/calls', headers: bearer(caller.token), payload: { recipientUid: 'Grace', callType: 'video' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ devices: 1, delivered: 1 });
    const [got] = await s.push.waitForCount(grace.id, 1);
    expect(got!.payload).toMatchObject({ type: 'incoming_call', sessionId: body.sessionId, callerName: 'Ada', callerUid: 'ada', callType: 'video' });
  });

  it('needs a signed-in caller', async () => {
    const res = await s.inject({ method: 'POST', url: '/api/dev/calls', payload: { recipientUid: 'grace' } });
    expect(res.statusCode).toBe(401);
  });
});

describe("GET /api/push/subscriptions: the user's own devices", () => {
  it('lists only my devices, with the browser they came from and the last ring outcome', async () => {
    const me = await signIn('Lin');
    const mine = s.push.subscribe();
    await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { ...bearer(me.token), 'user-agent': 'Mozilla/5.0 Firefox/153.0' }, payload: { subscription: mine.subscription } });
    await s.addDevice('not-lin');
    await s.inject({ method: 'POST', url: '/api/dev/calls', headers: bearer(me.token), payload: { recipientUid: 'lin' } });

    const res = await s.inject({ method: 'GET', url: '/api/push/subscriptions', headers: bearer(me.token) });
    expect(res.statusCode).toBe(200);
    const { devices } = res.json<DevicesResponse>();
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ endpoint: mine.endpoint, userAgent: 'Mozilla/5.0 Firefox/153.0', lastOutcome: 'delivered' });
    expect(Date.parse(devices[0]!.createdAt)).not.toBeNaN();
    expect(Date.parse(devices[0]!.lastOutcomeAt!)).not.toBeNaN();
  });

  it('needs a user token', async () => {
    const res = await s.inject({ method: 'GET', url: '/api/push/subscriptions' });
    expect(res.statusCode).toBe(401);
  });
});

describe("the demo caller's view of its call", () => {
  it('streams the call events of its own call (from the first one) and cancels it; another user sees nothing', async () => {
    const caller = await signIn('Grace');
    const callee = await signIn('Ada');
    const device = s.push.subscribe();
    await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: bearer(callee.token), payload: { subscription: device.subscription } });
    const placed = await s.inject({ method: 'POST', url: '/api/dev/calls', headers: bearer(caller.token), payload: { recipientUid: 'Ada' } });
    const { sessionId } = placed.json() as { sessionId: string };
    await s.app.drain(); // call.ringing has happened before the card connects

    const address = await s.app.http.listen({ port: 0, host: '127.0.0.1' });
    const events = `${address}/api/dev/calls/${encodeURIComponent(sessionId)}/events`;
    const stranger = await fetch(events, { headers: bearer(callee.token) });
    expect(stranger.status).toBe(404);
    const res = await fetch(events, { headers: bearer(caller.token) });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value);
    };
    await readUntil('call.ringing');
    expect(text).toMatch(/^event: call\.ringing\ndata: \{"type":"call\.ringing"/);

    const cancelled = await s.inject({ method: 'POST', url: `/api/dev/calls/${encodeURIComponent(sessionId)}/cancel`, headers: bearer(caller.token) });
    expect(cancelled.json()).toMatchObject({ devices: 1 });
    const notYours = await s.inject({ method: 'POST', url: `/api/dev/calls/${encodeURIComponent(sessionId)}/cancel`, headers: bearer(callee.token) });
    expect(notYours.statusCode).toBe(404);
    await s.push.waitFor((r) => r.id === device.id && (r.payload as { type: string }).type === 'call_ended');
    await reader.cancel();
  });
});
