import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import webpush from 'web-push';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTopic } from '../../protocol/topic';
import { basicAuth, CALLEE, CALLER, cometchatFixture, documentedFixture } from '../support/cometchat';
import { startPushService, type PushService, type ReceivedPush, type TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, postgresFactory, sqliteFactory } from '../support/stores';

const URL_ = '/api/webhooks/cometchat';
const USER = 'cometchat';
const PASSWORD = 'correct horse battery staple';
const WEBHOOK_ENV = { COMETCHAT_WEBHOOK_USER: USER, COMETCHAT_WEBHOOK_PASSWORD: PASSWORD };

const newSession = () => `v1.us.212570a35d379d83.${randomUUID().replaceAll('-', '')}`;
type Payload = { type: string; sessionId: string; reason?: string; callerName?: string };
const payloadOf = (r: ReceivedPush) => r.payload as Payload;
/** What a device received for one call, in order: "ring" or the call_ended reason. */
const heard = (device: TestDevice, sessionId: string) =>
  device.received.filter((r) => payloadOf(r).sessionId === sessionId).map((r) => (payloadOf(r).type === 'incoming_call' ? 'ring' : payloadOf(r).reason));

let push: PushService;
beforeAll(async () => {
  push = await startPushService();
});
afterAll(async () => {
  await push.close();
  await cleanupStores();
});

/** `authorization: null` sends none. */
function post(s: TestSender, body: unknown, authorization: string | null = basicAuth(USER, PASSWORD)) {
  return s.inject({
    method: 'POST',
    url: URL_,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Posts an event and waits until the sender has done everything it started (pushes answered). */
async function deliver(s: TestSender, body: unknown) {
  const res = await post(s, body);
  await s.app.drain();
  return res;
}

describe('POST /api/webhooks/cometchat', () => {
  let s: TestSender;
  let callee: TestDevice[];
  let caller: TestDevice;

  beforeAll(async () => {
    s = await startTestSender({ push, env: WEBHOOK_ENV });
    callee = [await s.addDevice(CALLEE), await s.addDevice(CALLEE)];
    caller = await s.addDevice(CALLER);
  });
  afterEach(() => push.setDefault(undefined));
  afterAll(() => s.close());

  it('is not there when COMETCHAT_WEBHOOK_USER and _PASSWORD are unset (404)', async () => {
    const off = await startTestSender(); // its own push service: it would expect another VAPID key
    try {
      const res = await post(off, cometchatFixture('webhook-call_initiated'));
      expect(res.statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });

  it.each([
    ['no credentials', null, 'credentials_missing'],
    ['a wrong password', basicAuth(USER, 'wrong'), 'credentials_invalid'],
    ['a wrong user', basicAuth('someone', PASSWORD), 'credentials_invalid'],
    ['a bearer token', `Bearer ${PASSWORD}`, 'credentials_missing'],
  ])('refuses %s with 401 and rings nobody', async (_name, authorization, code) => {
    const before = push.received.length;
    const res = await post(s, cometchatFixture('webhook-call_initiated', newSession()), authorization);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm="ringkit"/);
    expect(res.json().error.code).toBe(code);
    await s.app.drain();
    expect(push.received.length).toBe(before);
  });

  it.each(['webhook-call_initiated', 'push-initiated'])('%s rings every device of the callee, not the caller', async (fixture) => {
    const session = newSession();
    const res = await deliver(s, cometchatFixture(fixture, session));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'accepted' });
    for (const device of callee) {
      const ring = device.received.find((r) => payloadOf(r).sessionId === session);
      expect(ring?.payload).toMatchObject({ type: 'incoming_call', sessionId: session, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'video' });
      expect(ring?.headers).toMatchObject({ urgency: 'high', topic: callTopic(session) });
    }
    expect(heard(caller, session)).toEqual([]);
  });

  it.each([
    ['webhook-call_cancelled', 'cancelled'],
    ['webhook-call_unanswered', 'unanswered'],
    ['webhook-call_rejected', 'declined'],
    ['webhook-call_busy', 'busy'],
    ['webhook-call_ended', 'ended'],
    ['webhook-call_started', 'answered'],
    ['webhook-call_participant_joined', 'answered'],
    ['push-cancelled', 'cancelled'],
    ['push-unanswered', 'unanswered'],
    ['push-rejected', 'declined'],
    ['push-busy', 'busy'],
    ['push-ended', 'ended'],
    ['push-ongoing', 'answered'],
  ])('%s stops the ringing on every device of the callee with reason %s', async (fixture, reason) => {
    const session = newSession();
    await deliver(s, cometchatFixture('webhook-call_initiated', session));
    const res = await deliver(s, cometchatFixture(fixture, session));
    expect(res.json()).toEqual({ status: 'accepted' });
    for (const device of callee) {
      expect(heard(device, session)).toEqual(['ring', reason]);
      const [ring, end] = device.received.filter((r) => payloadOf(r).sessionId === session);
      expect(end!.headers.topic).toBe(ring!.headers.topic);
    }
    // the caller's devices never rang, so they get nothing to stop
    expect(heard(caller, session)).toEqual([]);
  });

  it('stops a call once: the first end event wins, later ones send nothing', async () => {
    const session = newSession();
    await deliver(s, cometchatFixture('webhook-call_initiated', session));
    await deliver(s, cometchatFixture('webhook-call_started', session));
    await deliver(s, cometchatFixture('webhook-call_participant_joined', session));
    await deliver(s, cometchatFixture('webhook-call_ended', session));
    for (const device of callee) expect(heard(device, session)).toEqual(['ring', 'answered']);
  });

  it('does not ring twice for a retried event (same event id) or the same call from both providers', async () => {
    const session = newSession();
    const first = await deliver(s, cometchatFixture('webhook-call_initiated', session));
    const retry = await deliver(s, cometchatFixture('webhook-call_initiated', session));
    expect([first.json().status, retry.json().status]).toEqual(['accepted', 'duplicate']);
    // the extension's POST for the same call is another event, but the callee already rang
    expect((await deliver(s, cometchatFixture('push-initiated', session))).json().status).toBe('accepted');
    const cancel = await deliver(s, cometchatFixture('webhook-call_cancelled', session));
    const cancelRetry = await deliver(s, cometchatFixture('webhook-call_cancelled', session));
    expect([cancel.json().status, cancelRetry.json().status]).toEqual(['accepted', 'duplicate']);
    for (const device of callee) expect(heard(device, session)).toEqual(['ring', 'cancelled']);
  });

  it('answers a Webhooks group call 200 and rings nobody without the REST API configured (it says so in the log)', async () => {
    const before = push.received.length;
    const res = await deliver(s, cometchatFixture('webhook-call_initiated-group', newSession()));
    expect(res.json()).toEqual({ status: 'accepted' });
    expect(push.received.length).toBe(before);
  });

  it.each(['webhook-call_participant_left', 'webhook-message_sent', 'push-message'])(
    'answers %s with 200 "ignored" and sends nothing',
    async (fixture) => {
      const before = push.received.length;
      const res = await deliver(s, cometchatFixture(fixture, newSession()));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ignored' });
      expect(push.received.length).toBe(before);
    },
  );

  it.each([
    ['invalid JSON', '{"trigger": "call_initiated",', 'invalid_json', /not valid JSON/],
    ['an array', '[]', 'invalid_event', /the body must be a JSON object/],
    ['an empty body', '', 'invalid_event', /the body must be a JSON object/],
    ['no trigger', { data: {} }, 'invalid_event', /trigger must be a non-empty string/],
    ['a call_initiated without its receiver', { trigger: 'call_initiated', data: { call: { type: 'audio', sender: 'a', data: { entities: { on: { entity: { sessionid: 's' } } } } } } }, 'invalid_event', /data.call.receiver/],
  ])('refuses %s with 400 and a clear error', async (_name, body, code, message) => {
    const before = push.received.length;
    const res = await post(s, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code, message: expect.stringMatching(message) });
    await s.app.drain();
    expect(push.received.length).toBe(before);
  });

  it('answers before a slow push service has answered the ring, and drain() waits for it', async () => {
    const session = newSession();
    // Longer than the 2 s CometChat allows, shorter than a ring's own answer bound (3 s):
    // a webhook that waited for delivery would answer after the push service.
    push.setDefault({ delayMs: 2500, status: 201 });
    const res = await post(s, cometchatFixture('webhook-call_initiated', session));
    expect(res.json()).toEqual({ status: 'accepted' });
    const answeredBeforeWebhook = push.received.filter((r) => payloadOf(r).sessionId === session && r.answeredAt !== undefined);
    expect(answeredBeforeWebhook).toEqual([]);

    await s.app.drain();
    const rings = push.received.filter((r) => payloadOf(r).sessionId === session);
    expect(rings).toHaveLength(callee.length);
    for (const ring of rings) expect(ring.answeredAt).toBeDefined();
    expect((await s.store.listByUser(CALLEE)).map((d) => d.lastOutcome)).toEqual(['delivered', 'delivered']);
  });
});

describe('a store fault while acting on an event', () => {
  it("loses nothing: the event's claim is released, so CometChat's retry rings", async () => {
    const store = await sqliteFactory.open();
    let outage = true;
    // The store answers the claim, then is out of reach for the ring's own write.
    const flaky = { ...store, recordRing: (ring: Parameters<typeof store.recordRing>[0]) => (outage ? Promise.reject(new Error('store unreachable')) : store.recordRing(ring)) };
    const s = await startTestSender({ push, store: flaky, env: WEBHOOK_ENV });
    try {
      const device = await s.addDevice(CALLEE);
      const sessionId = newSession();
      const event = cometchatFixture('webhook-call_initiated', sessionId);
      expect((await deliver(s, event)).json()).toEqual({ status: 'accepted' });
      expect(heard(device, sessionId)).toEqual([]);

      outage = false;
      expect((await deliver(s, event)).json()).toEqual({ status: 'accepted' });
      expect(heard(device, sessionId)).toEqual(['ring']);
    } finally {
      await s.close();
      await store.close();
    }
  });
});

describe('ring deadline', () => {
  let s: TestSender;
  let device: TestDevice;
  beforeAll(async () => {
    s = await startTestSender({ push, env: WEBHOOK_ENV, ttlSeconds: 1 });
    device = await s.addDevice(CALLEE);
  });
  afterAll(() => s.close());

  it('stops a ring that gets no end event with call_ended "unanswered" at its deadline', async () => {
    const session = newSession();
    await post(s, cometchatFixture('webhook-call_initiated', session));
    const end = await push.waitFor((r) => r.id === device.id && payloadOf(r).sessionId === session && payloadOf(r).type === 'call_ended');
    expect(end.payload).toMatchObject({ reason: 'unanswered' });
    expect(heard(device, session)).toEqual(['ring', 'unanswered']);
  });
});

describe('group calls (Push Notifications extension: one POST per member)', () => {
  let s: TestSender;
  let members: Record<string, TestDevice>;
  beforeAll(async () => {
    s = await startTestSender({ push, env: WEBHOOK_ENV });
    members = { 'cometchat-uid-3': await s.addDevice('cometchat-uid-3'), 'cometchat-uid-4': await s.addDevice('cometchat-uid-4') };
  });
  afterAll(() => s.close());

  type ExtensionBody = { data: { to: { uid: string }; notificationDetails: Record<string, unknown> } };
  const forMember = (fixture: string, session: string, uid: string) => {
    const body = cometchatFixture(fixture, session) as ExtensionBody;
    body.data.to.uid = uid;
    return body;
  };

  it('rings each member named; a member joining stops only their ring; a cancel stops the rest', async () => {
    const session = newSession();
    for (const uid of Object.keys(members)) await deliver(s, forMember('push-initiated-group', session, uid));
    const joined = cometchatFixture('webhook-call_participant_joined', session) as { data: { occupant: { uid: string } } };
    joined.data.occupant.uid = 'cometchat-uid-3';
    await deliver(s, joined);
    await deliver(s, cometchatFixture('webhook-call_cancelled', session));
    expect(heard(members['cometchat-uid-3']!, session)).toEqual(['ring', 'answered']);
    expect(heard(members['cometchat-uid-4']!, session)).toEqual(['ring', 'cancelled']);
  });

  it("a member's own rejection stops only their ring", async () => {
    const session = newSession();
    for (const uid of Object.keys(members)) await deliver(s, forMember('push-initiated-group', session, uid));
    const rejected = forMember('push-rejected', session, 'cometchat-uid-4');
    rejected.data.notificationDetails.receiverType = 'group';
    await deliver(s, rejected);
    expect(heard(members['cometchat-uid-3']!, session)).toEqual(['ring']);
    expect(heard(members['cometchat-uid-4']!, session)).toEqual(['ring', 'declined']);
  });
});

describe('two sender instances on one PostgreSQL database', () => {
  let a: TestSender;
  let b: TestSender;
  let device: TestDevice;
  beforeAll(async () => {
    const location = await postgresFactory.location();
    const keys = webpush.generateVAPIDKeys();
    const env = { ...WEBHOOK_ENV, VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey };
    // Rings of 3 s: the cancel below must come before the deadline, the deadline within the test.
    a = await startTestSender({ push, env, ttlSeconds: 3, store: await postgresFactory.openAt(location) });
    b = await startTestSender({ push, env, ttlSeconds: 3, store: await postgresFactory.openAt(location) });
    device = await a.addDevice(CALLEE);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('ring once when both get the same event (a retry landing on the other instance)', async () => {
    const session = newSession();
    const results = await Promise.all([a, b, a, b].map((s) => post(s, cometchatFixture('webhook-call_initiated', session))));
    expect(results.map((r) => r.json().status).sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate']);
    await Promise.all([a.app.drain(), b.app.drain()]);
    // (its deadline may pass meanwhile and add an "unanswered")
    expect(heard(device, session).filter((h) => h === 'ring')).toEqual(['ring']);
  });

  it("stop once: a cancel on one instance wins over the other's ring deadline", async () => {
    const session = newSession();
    await deliver(a, cometchatFixture('webhook-call_initiated', session));
    await deliver(b, cometchatFixture('webhook-call_cancelled', session));
    // A later call rung by the same instance: once its deadline has passed, so has the first one's.
    const later = newSession();
    await deliver(a, cometchatFixture('webhook-call_initiated', later));
    await push.waitFor((r) => r.id === device.id && payloadOf(r).sessionId === later && payloadOf(r).type === 'call_ended');
    await a.app.drain();
    expect(heard(device, session)).toEqual(['ring', 'cancelled']);
    expect(heard(device, later)).toEqual(['ring', 'unanswered']);
  });
});

describe("CometChat's documented samples, verbatim (no session id on the end triggers)", () => {
  let s: TestSender;
  let devices: Record<string, TestDevice>;
  beforeAll(async () => {
    s = await startTestSender({ push, env: WEBHOOK_ENV });
    devices = {};
    for (const uid of ['cometchat-uid-3', 'cometchat-uid-5']) devices[uid] = await s.addDevice(uid);
  });
  afterAll(() => s.close());

  /** A call_initiated (the documented one, made to name these parties) that rings `callee` from `caller`. */
  function initiated(caller: string, callee: string, session: string) {
    const body = documentedFixture('call_initiated') as any;
    body.data.call.sender = caller;
    body.data.call.receiver = callee;
    body.data.call.id = randomUUID();
    body.data.call.data.entities.by.entity.uid = caller;
    body.data.call.data.entities.on.entity.sessionid = session;
    return body;
  }

  it('answers every documented sample 200 and acts on it (never 400)', async () => {
    // its own sender: the samples' event ids are then new to it
    const fresh = await startTestSender({ push, env: WEBHOOK_ENV });
    try {
      const statuses: Record<string, string> = {};
      for (const trigger of ['call_initiated', 'call_started', 'call_participant_joined', 'call_participant_left', 'call_ended', 'call_busy', 'call_cancelled', 'call_rejected', 'call_unanswered']) {
        const res = await deliver(fresh, documentedFixture(trigger));
        expect(res.statusCode, trigger).toBe(200);
        statuses[trigger] = res.json().status;
      }
      expect(statuses).toEqual({
        call_initiated: 'accepted',
        call_started: 'accepted',
        call_participant_joined: 'accepted',
        call_participant_left: 'ignored',
        call_ended: 'accepted',
        call_busy: 'accepted',
        call_cancelled: 'accepted',
        call_rejected: 'accepted',
        call_unanswered: 'accepted',
      });
    } finally {
      await fresh.close();
    }
  });

  it.each([
    ['call_cancelled', 'cometchat-uid-4', 'cancelled'],
    ['call_unanswered', 'cometchat-uid-4', 'unanswered'],
    ['call_rejected', 'cometchat-uid-4', 'declined'],
    ['call_busy', 'cometchat-uid-1', 'busy'],
  ])("the documented %s stops the callee's ring", async (trigger, caller, reason) => {
    const callee = devices['cometchat-uid-3']!;
    const session = newSession();
    await deliver(s, initiated(caller, 'cometchat-uid-3', session));
    expect(heard(callee, session)).toEqual(['ring']);
    const res = await deliver(s, documentedFixture(trigger));
    expect(res.json()).toEqual({ status: 'accepted' });
    expect(heard(callee, session)).toEqual(['ring', reason]);
  });

  it('a documented cancel from another caller leaves the ring alone', async () => {
    const callee = devices['cometchat-uid-3']!;
    const session = newSession();
    await deliver(s, initiated('cometchat-uid-9', 'cometchat-uid-3', session));
    const cancel = documentedFixture('call_cancelled') as any;
    cancel.data.call.id = randomUUID(); // a new event, from cometchat-uid-4 as documented
    await deliver(s, cancel);
    expect(heard(callee, session)).toEqual(['ring']);
  });

  it('the documented call_participant_joined (no uid) stops the one-to-one ring it names', async () => {
    const session = '<sessionId>'; // as the documented samples print it
    await deliver(s, { ...documentedFixture('call_initiated'), webhook: randomUUID() });
    expect(heard(devices['cometchat-uid-5']!, session)).toContain('ring');
    const joined = documentedFixture('call_participant_joined') as any;
    joined.data.occupant.joined_at = Date.now(); // a new join: the first one may have been taken above
    await deliver(s, joined);
    expect(heard(devices['cometchat-uid-5']!, session).at(-1)).toBe('answered');
  });
});

describe('group calls from Webhooks: the members come from CometChat’s REST API', () => {
  let rest: Server;
  let s: TestSender;
  let members: Record<string, TestDevice>;
  const asked: { url: string; apikey: string | undefined }[] = [];
  beforeAll(async () => {
    // A loopback stand-in of GET /v3/groups/{guid}/members: two pages, the caller among the members.
    const pages = [
      [{ uid: CALLER, scope: 'admin' }, { uid: 'cometchat-uid-3', scope: 'participant' }],
      [{ uid: 'cometchat-uid-4', scope: 'participant' }],
    ];
    rest = createServer((req, res) => {
      asked.push({ url: req.url ?? '', apikey: req.headers.apikey as string | undefined });
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const page = Number(url.searchParams.get('page') ?? 1);
      if (url.pathname !== '/v3/groups/team-standup/members' || req.headers.apikey !== 'rest-key') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: pages[page - 1] ?? [], meta: { pagination: { total: 3, count: pages[page - 1]?.length ?? 0, per_page: 2, current_page: page, total_pages: pages.length } } }));
    });
    await new Promise<void>((resolve) => rest.listen(0, '127.0.0.1', resolve));
    const { port } = rest.address() as AddressInfo;
    s = await startTestSender({
      push,
      env: { ...WEBHOOK_ENV, COMETCHAT_APP_ID: 'app123', COMETCHAT_REGION: 'us', COMETCHAT_REST_API_KEY: 'rest-key', COMETCHAT_API_URL: `http://127.0.0.1:${port}/v3` },
    });
    members = {};
    for (const uid of [CALLER, 'cometchat-uid-3', 'cometchat-uid-4']) members[uid] = await s.addDevice(uid);
  });
  afterAll(async () => {
    await s.close();
    await new Promise<void>((resolve) => rest.close(() => resolve()));
  });

  it('rings every member but the caller; the documented group cancel (no session id) stops them all', async () => {
    const session = newSession();
    expect((await deliver(s, cometchatFixture('webhook-call_initiated-group', session))).json()).toEqual({ status: 'accepted' });
    expect(asked.every((a) => a.apikey === 'rest-key')).toBe(true);
    expect(asked.map((a) => new URL(a.url, 'http://x').searchParams.get('page'))).toEqual(['1', '2']);
    expect(heard(members['cometchat-uid-3']!, session)).toEqual(['ring']);
    expect(heard(members['cometchat-uid-4']!, session)).toEqual(['ring']);
    expect(heard(members[CALLER]!, session)).toEqual([]);

    const cancel = documentedFixture('call_cancelled') as any;
    cancel.data.call.sender = CALLER;
    cancel.data.call.receiverType = 'group';
    cancel.data.call.receiver = 'team-standup';
    await deliver(s, cancel);
    expect(heard(members['cometchat-uid-3']!, session)).toEqual(['ring', 'cancelled']);
    expect(heard(members['cometchat-uid-4']!, session)).toEqual(['ring', 'cancelled']);
  });
});
