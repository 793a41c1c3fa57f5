/**
 * Signed call events (design.md, "Call events"): a backend that rings through
 * POST /api/calls learns every outcome, verified with the Standard Webhooks
 * reference library, retried until taken, never lost across a restart, and
 * taken once across instances.
 */
import { randomUUID } from 'node:crypto';
import webpush from 'web-push';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../protocol/events';
import { ConfigError, loadConfig } from '../../server/config';
import { startEventReceiver, type EventReceiver } from '../support/event-receiver';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, postgresFactory, sqliteFactory } from '../support/stores';

let push: PushService;
let receiver: EventReceiver;
beforeAll(async () => {
  push = await startPushService();
  receiver = await startEventReceiver();
});
afterAll(async () => {
  await push.close();
  await receiver.close();
  await cleanupStores();
});
afterEach(() => receiver.answerWith(() => 204));

const eventsEnv = () => ({ RINGKIT_EVENTS_URL: receiver.url, RINGKIT_EVENTS_SECRET: receiver.secret });
const newSession = () => `v1.us.events.${randomUUID()}`;
const ofSession = (sessionId: string) => (e: CallEvent) => e.data.sessionId === sessionId;

function ring(s: TestSender, sessionId: string, recipientUid: string) {
  return s.inject({
    method: 'POST',
    url: '/api/calls',
    headers: { authorization: `Bearer ${s.secrets.apiKey}` },
    payload: { recipientUid, sessionId, callerName: 'Grace', callerUid: 'grace', callType: 'video' },
  });
}

/** The decline token the ring carried to this device. */
async function tokenOf(device: TestDevice, sessionId: string): Promise<string> {
  const got = await push.waitFor((r) => r.id === device.id && (r.payload as { sessionId?: string }).sessionId === sessionId);
  return (got.payload as { declineToken: string }).declineToken;
}

function answer(s: TestSender, sessionId: string, token: string, route: 'answer' | 'decline', payload: object = {}) {
  return s.inject({ method: 'POST', url: `/api/calls/${encodeURIComponent(sessionId)}/${route}`, headers: { authorization: `Bearer ${token}` }, payload });
}

describe('RINGKIT_EVENTS_URL and RINGKIT_EVENTS_SECRET', () => {
  const strong = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
  it.each([
    ['a URL without a secret', { RINGKIT_EVENTS_URL: 'https://backend.example.com/events' }, /RINGKIT_EVENTS_SECRET is required/],
    ['a secret without a URL', { RINGKIT_EVENTS_SECRET: strong }, /RINGKIT_EVENTS_URL is not/],
    ['a short secret', { RINGKIT_EVENTS_URL: 'https://backend.example.com/events', RINGKIT_EVENTS_SECRET: `whsec_${Buffer.alloc(16).toString('base64')}` }, /at least 24 random bytes/],
    ['a secret that is not whsec_', { RINGKIT_EVENTS_URL: 'https://backend.example.com/events', RINGKIT_EVENTS_SECRET: 'x'.repeat(64) }, /whsec_/],
    ['plain http to another host', { RINGKIT_EVENTS_URL: 'http://backend.example.com/events', RINGKIT_EVENTS_SECRET: strong }, /must be https/],
  ])('refuses %s, saying how to fix it', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('takes https, or http on loopback, with a strong secret', () => {
    expect(loadConfig({ RINGKIT_EVENTS_URL: 'https://backend.example.com/events', RINGKIT_EVENTS_SECRET: strong }).events).toEqual({
      url: 'https://backend.example.com/events',
      secret: strong,
    });
    expect(loadConfig({ RINGKIT_EVENTS_URL: 'http://127.0.0.1:9000/e', RINGKIT_EVENTS_SECRET: strong }).events?.url).toBe('http://127.0.0.1:9000/e');
  });
});

describe('a backend that rings through POST /api/calls learns every outcome', () => {
  let s: TestSender;
  let phone: TestDevice;
  let laptop: TestDevice;
  beforeAll(async () => {
    s = await startTestSender({ push, env: eventsEnv() });
    phone = await s.addDevice('ada');
    laptop = await s.addDevice('ada');
  });
  afterAll(() => s.close());

  it('call.ringing, signed the Standard Webhooks way, once the devices answered', async () => {
    const session = newSession();
    expect((await ring(s, session, 'ada')).statusCode).toBe(200);
    const event = await receiver.waitFor(ofSession(session));
    expect(event).toEqual({
      type: 'call.ringing',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { sessionId: session, recipientUid: 'ada', callerUid: 'grace', devices: 2, delivered: 2, failed: 0 },
    });
    const delivery = receiver.deliveries.find((d) => d.event === event)!;
    expect(delivery.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(delivery.headers['content-type']).toBe('application/json');
  });

  it('call.unreachable when no device could be rung', async () => {
    const session = newSession();
    await ring(s, session, 'nobody');
    expect(await receiver.waitFor(ofSession(session))).toMatchObject({ type: 'call.unreachable', data: { recipientUid: 'nobody', devices: 0, failed: 0 } });
  });

  it('call.accepted once, however many surfaces tell it; the token then acts no more', async () => {
    const session = newSession();
    await ring(s, session, 'ada');
    const token = await tokenOf(phone, session);
    expect((await answer(s, session, token, 'answer', { endpoint: phone.endpoint })).statusCode).toBe(200);
    const again = await answer(s, session, token, 'answer');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ring_over');
    expect((await answer(s, session, token, 'decline')).statusCode).toBe(409);
    await receiver.waitFor((e) => ofSession(session)(e) && e.type === 'call.accepted');
    await s.app.drain();
    expect(receiver.taken().filter(ofSession(session)).map((e) => e.type).sort()).toEqual(['call.accepted', 'call.ringing']);
    // the other device stopped ringing, the one that answered was not told
    expect(laptop.received.filter((r) => (r.payload as { sessionId?: string }).sessionId === session).map((r) => (r.payload as { type: string }).type)).toEqual(['incoming_call', 'call_ended']);
    expect(phone.received.filter((r) => (r.payload as { sessionId?: string }).sessionId === session)).toHaveLength(1);
  });

  it.each([
    [{}, 'declined'],
    [{ reason: 'busy' }, 'busy'],
  ])('call.declined with %j → reason %s', async (body, reason) => {
    const session = newSession();
    await ring(s, session, 'ada');
    expect((await answer(s, session, await tokenOf(laptop, session), 'decline', body)).statusCode).toBe(200);
    expect(await receiver.waitFor((e) => ofSession(session)(e) && e.type === 'call.declined')).toMatchObject({ data: { recipientUid: 'ada', callerUid: 'grace', reason } });
  });
});

describe('call.missed: the ring time ended unanswered', () => {
  it('for a ring through POST /api/calls, with call_ended "unanswered" to its devices', async () => {
    const s = await startTestSender({ push, env: eventsEnv(), ttlSeconds: 1 });
    try {
      const device = await s.addDevice('ada');
      const session = newSession();
      await ring(s, session, 'ada');
      expect(await receiver.waitFor((e) => ofSession(session)(e) && e.type === 'call.missed')).toMatchObject({ data: { recipientUid: 'ada', callerUid: 'grace' } });
      const end = await push.waitFor((r) => r.id === device.id && (r.payload as { type: string }).type === 'call_ended');
      expect(end.payload).toMatchObject({ sessionId: session, reason: 'unanswered' });
    } finally {
      await s.close();
    }
  });
});

describe('delivery survives a failing receiver', () => {
  it('retries a refused event with the same webhook-id until taken, then never sends it again', async () => {
    const s = await startTestSender({ push, env: eventsEnv() });
    try {
      const refusedOnce = new Set<string>();
      receiver.answerWith(({ id }) => (refusedOnce.has(id) ? 204 : (refusedOnce.add(id), 503)));
      const session = newSession();
      await ring(s, session, 'nobody');
      const event = await receiver.waitFor(ofSession(session));
      const attempts = receiver.deliveries.filter((d) => d.event?.data.sessionId === session);
      expect(attempts.map((d) => d.status)).toEqual([503, 204]);
      expect(new Set(attempts.map((d) => d.headers['webhook-id'])).size).toBe(1);
      expect(attempts[0]!.body).toBe(attempts[1]!.body);
      // a later event is taken too, and the first is not sent a third time meanwhile
      receiver.answerWith(() => 204);
      const later = newSession();
      await ring(s, later, 'nobody');
      await receiver.waitFor(ofSession(later));
      await s.app.drain();
      expect(receiver.deliveries.filter((d) => d.event?.data.sessionId === session)).toHaveLength(2);
      expect(event.type).toBe('call.unreachable');
    } finally {
      await s.close();
    }
  });

  it('keeps an event through a restart: another sender on the same store delivers it', async () => {
    const location = await sqliteFactory.location();
    const keys = webpush.generateVAPIDKeys();
    const env = { ...eventsEnv(), VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey };
    receiver.answerWith(() => 500);
    const first = await startTestSender({ push, env, store: await sqliteFactory.openAt(location) });
    const session = newSession();
    await ring(first, session, 'nobody');
    // refused at least once, then the sender goes away
    await waitUntil(() => receiver.deliveries.some((d) => d.event?.data.sessionId === session));
    await first.close();
    await first.store.close();

    receiver.answerWith(() => 204);
    const second = await startTestSender({ push, env, store: await sqliteFactory.openAt(location) });
    try {
      const event = await receiver.waitFor(ofSession(session));
      expect(event.type).toBe('call.unreachable');
      const ids = new Set(receiver.deliveries.filter((d) => d.event?.data.sessionId === session).map((d) => d.headers['webhook-id']));
      expect(ids.size).toBe(1);
    } finally {
      await second.close();
      await second.store.close();
    }
  });
});

describe('two instances on one PostgreSQL database', () => {
  let a: TestSender;
  let b: TestSender;
  beforeEach(async () => {
    const location = await postgresFactory.location();
    const keys = webpush.generateVAPIDKeys();
    const env = { ...eventsEnv(), VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey };
    a = await startTestSender({ push, env, store: await postgresFactory.openAt(location) });
    b = await startTestSender({ push, env, store: await postgresFactory.openAt(location) });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('each event is taken once, whichever instance sends it', async () => {
    const sessions = Array.from({ length: 12 }, newSession);
    await Promise.all(sessions.map((session, i) => ring(i % 2 ? a : b, session, 'nobody')));
    for (const session of sessions) await receiver.waitFor(ofSession(session));
    await Promise.all([a.app.drain(), b.app.drain()]);
    for (const session of sessions) {
      const deliveries = receiver.deliveries.filter((d) => d.event?.data.sessionId === session);
      expect(deliveries.map((d) => d.status)).toEqual([204]);
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
