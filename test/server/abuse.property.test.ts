/**
 * Property-based abuse of every endpoint: random and malformed JSON, wrong
 * types, huge and unicode strings, duplicate keys, invalid keys and
 * endpoints, forged and expired tokens, wrong Basic credentials. Whatever
 * comes in: never a 5xx, errors in the API's shape, no bad device stored, and
 * the sender still rings afterwards. Then the hardening rules (issue 16):
 * guessing is throttled per address, whatever is rung fits a push and can be
 * stopped, tokens act once, no device changes hands, no forged address or
 * proxied request reaches the development routes, and no prototype name is
 * taken for a CometChat trigger.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokens } from '../../server/auth/tokens';
import { checkSubscription } from '../../server/push/subscription-check';
import { basicAuth, CALLEE, cometchatFixture } from '../support/cometchat';
import { startTestSender, type TestSender } from '../support/sender';
import { closeStores, sqliteFactory } from '../support/stores';

const RUNS = { numRuns: 60 };
const WEBHOOK = { user: 'cometchat', password: 'webhook password' };

let s: TestSender;
let dbFile: string;
/** Authorization header values, good and bad, signed up front (arbitraries are synchronous). */
let authorizations: string[];
let validUser: string;
/** The credential each kind of route takes. */
let good: { user: string; apiKey: string; decline: string; webhook: string };

const sign = (claims: Record<string, unknown>, key: string, exp: number | undefined, sub: string | undefined, alg = 'HS256') => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg });
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(key));
};

beforeAll(async () => {
  dbFile = await sqliteFactory.location();
  s = await startTestSender({
    store: await sqliteFactory.openAt(dbFile),
    env: { COMETCHAT_WEBHOOK_USER: WEBHOOK.user, COMETCHAT_WEBHOOK_PASSWORD: WEBHOOK.password },
    requestsPerMinute: 1_000_000,
    subscriptionWritesPerMinute: 1_000_000,
    // This suite guesses credentials on purpose, all from one address; the throttle has its own property below.
    authFailuresPerMinute: 1_000_000,
  });
  const now = Math.floor(Date.now() / 1000);
  const secret = s.secrets.authSecret;
  validUser = `Bearer ${await s.userToken('abuser')}`;
  good = {
    user: validUser,
    apiKey: `Bearer ${s.secrets.apiKey}`,
    decline: `Bearer ${await new Tokens(secret).signDecline('abuser', 'v1.us.abc', Date.now() + 600_000)}`,
    webhook: basicAuth(WEBHOOK.user, WEBHOOK.password),
  };
  const [header, body] = (await s.userToken('abuser')).split('.');
  authorizations = [
    validUser,
    `bearer ${await s.userToken('abuser')}`,
    `Bearer ${await sign({}, secret, now - 60, 'abuser')}`, // expired
    `Bearer ${await sign({}, 'another secret of at least thirty-two chars', now + 600, 'abuser')}`, // forged
    `Bearer ${await sign({}, secret, undefined, 'abuser')}`, // no exp
    `Bearer ${await sign({}, secret, now + 600, undefined)}`, // no sub
    `Bearer ${await sign({}, secret, now + 600, 'x'.repeat(129))}`, // sub too long
    `Bearer ${await sign({ aud: 'ringkit:decline', sid: 's' }, secret, now + 600, 'abuser', 'HS384')}`,
    `Bearer ${header}.${body}.`, // alg kept, signature stripped
    `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`,
    `Bearer ${s.secrets.apiKey}`,
    `Bearer ${s.secrets.apiKey}x`,
    basicAuth(WEBHOOK.user, WEBHOOK.password),
    basicAuth(WEBHOOK.user, 'wrong'),
    basicAuth('', ''),
    `Basic ${Buffer.from(WEBHOOK.user).toString('base64')}`, // no colon
    'Basic !!!not-base64!!!',
    'Bearer',
    '',
    '\u00e9\u00e9',
  ];
});
afterAll(async () => {
  await s.close();
  await closeStores();
});

const unicodeString = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const base64url = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64url'));

/** Endpoints a subscription might claim: the loopback push service, and what must never be stored. */
const endpointArb = () =>
  fc.oneof(
    fc.constant(s.push.endpoint()),
    fc.constantFrom(
      'https://10.0.0.1/push/x',
      'http://127.0.0.1/push/x',
      'https://user:pw@127.0.0.1/push/x',
      'https://127.0.0.1.evil.example/push',
      'https://fcm.googleapis.com.evil.example/x',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://[::1]/push/x',
      'https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/push',
      '',
    ),
    fc.webUrl(),
    unicodeString(3000),
  );
const keysArb = () =>
  fc.record({
    p256dh: fc.oneof(fc.constant(s.push.subscribe().subscription.keys.p256dh), base64url(65), base64url(33), unicodeString(200), fc.integer()),
    auth: fc.oneof(base64url(16), base64url(8), unicodeString(100), fc.constant(null)),
  });
const subscriptionArb = () =>
  fc.record(
    { endpoint: endpointArb(), expirationTime: fc.oneof(fc.constant(null), fc.double(), fc.string()), keys: fc.oneof(keysArb(), fc.jsonValue()) },
    { requiredKeys: [] },
  );

/** A body as sent on the wire: JSON of anything, malformed text, or JSON with a key given twice. */
const bodyArb = (shaped: fc.Arbitrary<unknown>) =>
  fc.oneof(
    shaped.map((v) => JSON.stringify(v)),
    fc.jsonValue({ stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
    unicodeString(200),
    fc.constantFrom('', '{', '{"subscription":', '[]', 'null', '"x"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"trigger":"constructor","data":{}}', '{"trigger":"__proto__"}'),
    fc.tuple(shaped, shaped).map(([a, b]) => {
      // Duplicate keys: the parser keeps one of them; whichever, it is checked like any other.
      const first = JSON.stringify(a);
      const second = JSON.stringify(b);
      return first?.startsWith('{') && second?.startsWith('{') && first.length > 2 ? `${first.slice(0, -1)},${second.slice(1)}` : String(first);
    }),
    fc.string({ minLength: 9000, maxLength: 9000 }), // over the body limit
  );

const contentTypeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined, 'application/json; charset=utf-16') },
);

/** Every route, with bodies shaped like its own requests (and anything else). */
function routeArb(): fc.Arbitrary<InjectOptions> {
  // Mostly the route's own credential, so the body is what gets tested; else any, or none.
  const auth = (own: string | undefined) =>
    fc.oneof({ weight: 3, arbitrary: fc.constant(own) }, { weight: 2, arbitrary: fc.constantFrom(...authorizations, undefined) });
  const sessionId = fc.oneof(fc.constant('v1.us.abc'), unicodeString(300), fc.constantFrom('..', '%2e%2e', 'a/b', ' ', '.', 'a'.repeat(256), '😀'.repeat(256)));
  type Route = { method: InjectOptions['method']; url: string; auth?: string; body?: fc.Arbitrary<unknown> };
  const routes: fc.Arbitrary<Route>[] = [
    fc.constant({ method: 'POST' as const, url: '/api/push/subscriptions', auth: good.user, body: fc.record({ subscription: subscriptionArb() }, { requiredKeys: [] }) }),
    fc.constant({ method: 'DELETE' as const, url: '/api/push/subscriptions', auth: good.user, body: fc.record({ endpoint: endpointArb() }, { requiredKeys: [] }) }),
    fc.constant({ method: 'GET' as const, url: '/api/push/subscriptions', auth: good.user }),
    fc.constant({ method: 'POST' as const, url: '/api/push/test-ring', auth: good.user, body: fc.record({ endpoint: endpointArb() }, { requiredKeys: [] }) }),
    fc.constant({ method: 'GET' as const, url: '/api/push/public-key' }),
    fc.constant({ method: 'GET' as const, url: '/healthz' }),
    fc.constant({
      method: 'POST' as const,
      url: '/api/calls',
      auth: good.apiKey,
      body: fc.record(
        { recipientUid: unicodeString(200), sessionId: unicodeString(300), callerName: unicodeString(200), callerUid: fc.jsonValue(), callType: fc.constantFrom('audio', 'video', 'fax', 1) },
        { requiredKeys: [] },
      ),
    }),
    sessionId.map((id) => ({ method: 'POST' as const, url: `/api/calls/${encodeURIComponent(id)}/cancel`, auth: good.apiKey, body: fc.record({ recipientUid: unicodeString(200), reason: fc.constantFrom('cancelled', 'busy', 'nope', 3) }, { requiredKeys: [] }) })),
    sessionId.map((id) => ({ method: 'POST' as const, url: `/api/calls/${encodeURIComponent(id)}/decline`, auth: good.decline })),
    fc.constant({ method: 'POST' as const, url: '/api/dev/session', body: fc.record({ name: fc.oneof(unicodeString(100), fc.integer()) }, { requiredKeys: [] }) }),
    fc.constant({ method: 'POST' as const, url: '/api/dev/calls', auth: good.user, body: fc.record({ recipientUid: unicodeString(200), callType: fc.jsonValue() }, { requiredKeys: [] }) }),
    fc.constant({
      method: 'POST' as const,
      url: '/api/webhooks/cometchat',
      auth: good.webhook,
      body: fc.oneof(
        fc.constantFrom('webhook-call_initiated', 'webhook-call_cancelled', 'webhook-message_sent').chain((name) =>
          fc.record({ field: fc.constantFrom('trigger', 'data', 'appId', 'region'), value: fc.jsonValue() }).map(({ field, value }) => ({ ...cometchatFixture(name), [field]: value })),
        ),
        fc.jsonValue(),
      ),
    }),
    unicodeString(100).map((p) => ({ method: 'GET' as const, url: `/${encodeURIComponent(p)}` })),
    // Malformed percent-encodings and over-long segments: the router's own errors.
    fc.constantFrom('/%zz', '/api/calls/%zz/cancel', '/%E0%A4%A', `/api/calls/${'x'.repeat(2000)}/cancel`, '/api/calls/%00/decline').map((url) => ({ method: 'POST' as const, url, auth: good.apiKey })),
  ];
  return fc.oneof(...routes).chain((route) =>
    fc.record({ authorization: auth(route.auth), contentType: contentTypeArb, payload: route.body ? bodyArb(route.body) : fc.constant(undefined) }).map(({ authorization, contentType, payload }) => ({
      method: route.method,
      url: route.url,
      headers: { ...(authorization !== undefined ? { authorization } : {}), ...(contentType && payload !== undefined ? { 'content-type': contentType } : {}) },
      ...(payload !== undefined ? { payload } : {}),
    })),
  );
}

describe('any request to any endpoint', () => {
  it('gets a 2xx, 3xx or 4xx, and every error is {"error":{"code","message"}}', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb(), async (request) => {
        const res = await s.inject(request);
        expect(res.statusCode, `${request.method} ${request.url}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const body = res.json() as { error?: { code?: unknown; message?: unknown } };
          expect(typeof body.error?.code).toBe('string');
          expect(typeof body.error?.message).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
    await s.app.drain();
  });

  it('stores a subscription only when it is valid, whatever the body says twice or wrong', async () => {
    await fc.assert(
      fc.asyncProperty(subscriptionArb(), fc.boolean(), async (subscription, duplicated) => {
        const valid = s.push.subscribe().subscription;
        // Duplicate keys: the valid subscription first, the random one last (JSON.parse keeps the last).
        const payload = duplicated
          ? `{"subscription":${JSON.stringify(valid)},"subscription":${JSON.stringify(subscription)}}`
          : JSON.stringify({ subscription });
        const endpoint = (subscription as { endpoint?: unknown }).endpoint;
        // The endpoint may be one an earlier, valid request stored: a refusal must leave it as it was.
        const before = typeof endpoint === 'string' ? await s.store.findByEndpoint(endpoint) : undefined;
        const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { authorization: validUser, 'content-type': 'application/json' }, payload });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode >= 400 && typeof endpoint === 'string') {
          expect(await s.store.findByEndpoint(endpoint)).toEqual(before);
        }
      }),
      RUNS,
    );
  });

  it('leaves only devices the sender can push to, and keeps ringing', async () => {
    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare<[], { uid: string; endpoint: string; p256dh: string; auth: string }>('SELECT uid, endpoint, p256dh, auth FROM devices').all();
      for (const row of rows) {
        expect(checkSubscription({ endpoint: row.endpoint, keys: { p256dh: row.p256dh, auth: row.auth } }, ['127.0.0.1'])).toBeUndefined();
        expect(row.uid.length).toBeGreaterThan(0);
      }
    } finally {
      db.close();
    }
    expect((await s.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const device = await s.addDevice(CALLEE);
    const res = await s.inject({
      method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
      payload: { recipientUid: CALLEE, sessionId: 'after.abuse', callerName: 'B', callerUid: 'b', callType: 'audio' },
    });
    expect(res.json()).toMatchObject({ delivered: 1 });
    expect(device.received.at(-1)?.payload).toMatchObject({ sessionId: 'after.abuse' });
  });
});

/** Every schema-valid ring request, at the length limits and with what JSON must escape. */
const ringArb = () => {
  const text = (max: number) =>
    fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: max }),
      fc.string({ unit: fc.constantFrom('😀', 'ア', '\u0001', '\u202E', '"', '\\', 'a'), minLength: 1, maxLength: max }),
    );
  return fc.record({
    recipientUid: fc.constant('fits'),
    sessionId: text(256),
    callerName: text(128),
    callerUid: text(128),
    callType: fc.constantFrom('audio', 'video'),
  });
};

describe('the hardening rules (issue 16)', () => {
  it('throttles guessing per address on every route, never the right key from elsewhere', async () => {
    const limit = 4;
    const t = await startTestSender({ authFailuresPerMinute: limit, env: { COMETCHAT_WEBHOOK_USER: WEBHOOK.user, COMETCHAT_WEBHOOK_PASSWORD: WEBHOOK.password } });
    let address = 0;
    try {
      const wrong = authorizations.filter((a) => a !== validUser && !a.startsWith('bearer ') && a !== good.apiKey && a !== good.webhook && a !== '');
      const routes = [
        { method: 'POST' as const, url: '/api/calls', payload: { recipientUid: 'x', sessionId: 's.t', callerName: 'A', callerUid: 'a', callType: 'audio' } },
        { method: 'GET' as const, url: '/api/push/subscriptions' },
        { method: 'POST' as const, url: '/api/calls/s.t/decline' },
        { method: 'POST' as const, url: '/api/webhooks/cometchat', payload: { trigger: 'message_sent' } },
      ];
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...routes), fc.constantFrom(...wrong)), { minLength: limit + 1, maxLength: limit + 6 }), async (attempts) => {
          const attacker = `198.18.${Math.floor(++address / 250)}.${address % 250}`;
          const statuses: number[] = [];
          for (const [route, authorization] of attempts) statuses.push((await t.inject({ ...route, headers: { authorization }, remoteAddress: attacker })).statusCode);
          // Each guess fails (401, or 403 for a user token on a decline), until the limit: then 429 for every one.
          const failures = statuses.findIndex((code, i) => statuses.slice(0, i + 1).filter((c) => c === 401).length === limit);
          if (failures >= 0) expect(statuses.slice(failures + 1).every((c) => c === 429)).toBe(true);
          expect(statuses.filter((c) => c === 401).length).toBeLessThanOrEqual(limit);
          const fromElsewhere = await t.inject({ ...routes[0]!, headers: { authorization: `Bearer ${t.secrets.apiKey}` }, remoteAddress: `203.0.113.${address % 250}` });
          expect(fromElsewhere.statusCode).toBe(200);
        }),
        { numRuns: 20 },
      );
    } finally {
      await t.close();
    }
  });

  it('rings only what fits a push: refused with 400, or delivered in at most 3,072 bytes with a clean caller name, and stoppable', async () => {
    const device = await s.addDevice('fits');
    await fc.assert(
      fc.asyncProperty(ringArb(), async (ring) => {
        const before = device.received.length;
        const res = await s.inject({ method: 'POST', url: '/api/calls', headers: { authorization: good.apiKey }, payload: ring });
        if (res.statusCode === 400) {
          expect(['ring_too_large', 'invalid_request']).toContain(res.json().error.code);
          expect(device.received).toHaveLength(before);
          return;
        }
        expect(res.json(), `${res.body} ${JSON.stringify((await s.store.findByEndpoint(device.endpoint))?.lastOutcome)}`).toMatchObject({ devices: 1, delivered: 1, failed: 0 });
        const [got] = (await s.push.waitForCount(device.id, before + 1)).slice(-1);
        expect(got!.body.length).toBeLessThanOrEqual(3072);
        expect((got!.payload as { callerName: string }).callerName).not.toMatch(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u);
        // Whatever rang can be stopped, and its token acts once.
        const token = (got!.payload as { declineToken: string }).declineToken;
        const path = `/api/calls/${encodeURIComponent(ring.sessionId)}`;
        const declined = await s.inject({ method: 'POST', url: `${path}/decline`, headers: { authorization: `Bearer ${token}` } });
        expect(declined.statusCode, declined.body).toBe(200);
        const replayed = await s.inject({ method: 'POST', url: `${path}/answer`, headers: { authorization: `Bearer ${token}` } });
        expect(replayed.statusCode).toBe(409);
        const cancelled = await s.inject({ method: 'POST', url: `${path}/cancel`, headers: { authorization: good.apiKey }, payload: { recipientUid: 'fits' } });
        expect(cancelled.statusCode, cancelled.body).toBe(200);
      }),
      // A decline and an answer per run, all as one user: within the 60 a minute a user's answers may make.
      { numRuns: 25 },
    );
    await s.app.drain();
  });

  it("never moves a device to another user, or gives it new keys, without its keys", async () => {
    const victim = await s.addDevice('victim');
    const stored = await s.store.findByEndpoint(victim.endpoint);
    await fc.assert(
      // Both keys kept is the same browser signing in as someone else: it may move (the store contract tests it).
      fc.asyncProperty(fc.constantFrom('mallory', 'eve', 'victim-2'), fc.constantFrom([false, false], [true, false], [false, true]), async (uid, [keepP256dh, keepAuth]) => {
        const fresh = s.push.subscribe().subscription.keys;
        const keys = { p256dh: keepP256dh ? stored!.p256dh : fresh.p256dh, auth: keepAuth ? stored!.auth : fresh.auth };
        const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${await s.userToken(uid)}` }, payload: { subscription: { endpoint: victim.endpoint, keys } } });
        expect(res.statusCode).toBe(409);
        expect(await s.store.findByEndpoint(victim.endpoint)).toMatchObject({ uid: 'victim', p256dh: stored!.p256dh, auth: stored!.auth });
        // And a stranger's DELETE or test ring learns nothing: the unknown-device answer.
        const del = await s.inject({ method: 'DELETE', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${await s.userToken(uid)}` }, payload: { endpoint: victim.endpoint } });
        expect([del.statusCode, del.json().error.code]).toEqual([404, 'device_not_found']);
      }),
      { numRuns: 20 },
    );
  });

  it('answers the development routes only to direct requests from this machine', async () => {
    const forwarded = fc.oneof(
      fc.record({ 'x-forwarded-for': fc.ipV4() }),
      fc.record({ forwarded: fc.ipV4().map((ip) => `for=${ip}`) }),
      fc.record({ 'x-forwarded-host': fc.domain() }),
      fc.record({ 'x-forwarded-proto': fc.constantFrom('https', 'http') }),
      fc.record({ host: fc.oneof(fc.domain(), fc.ipV4().filter((ip) => !ip.startsWith('127.'))) }),
    );
    await fc.assert(
      fc.asyncProperty(forwarded, async (headers) => {
        const res = await s.inject({ method: 'POST', url: '/api/dev/session', headers, payload: { name: 'mallory' } });
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('dev_route_refused');
      }),
      RUNS,
    );
  });

  it('takes no prototype name for a CometChat trigger or call action', async () => {
    const names = fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__');
    await fc.assert(
      fc.asyncProperty(names, fc.boolean(), async (name, asCallAction) => {
        const body = asCallAction ? cometchatFixture('push-cancelled') : { ...cometchatFixture('webhook-call_cancelled'), trigger: name };
        if (asCallAction) (body as { data: { notificationDetails: { callAction: string } } }).data.notificationDetails.callAction = name;
        const res = await s.inject({ method: 'POST', url: '/api/webhooks/cometchat', headers: { authorization: good.webhook }, payload: body });
        expect(res.json()).toEqual({ status: 'ignored' });
      }),
      RUNS,
    );
  });
});
