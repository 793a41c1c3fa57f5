import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestSubscription } from '../support/subscriptions';
import { startTestSender, type TestSender } from '../support/sender';

let s: TestSender;
beforeAll(async () => {
  s = await startTestSender({ subscriptionWritesPerMinute: 1000 });
});
afterAll(() => s.close());

const auth = async (uid: string) => ({ authorization: `Bearer ${await s.userToken(uid)}` });

describe('GET /api/push/public-key', () => {
  it('gives the VAPID public key, and nothing of the private one', async () => {
    const res = await s.inject({ method: 'GET', url: '/api/push/public-key' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ publicKey: s.secrets.vapid.publicKey });
    expect(res.body).not.toContain(s.secrets.vapid.privateKey);
  });
});

describe('POST /api/push/subscriptions', () => {
  it('stores a new device (201), then knows it (200), keeping one row', async () => {
    const device = s.push.subscribe();
    const post = async () =>
      s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { ...(await auth('ada')), 'user-agent': 'Firefox/153' }, payload: { subscription: device.subscription } });
    const first = await post();
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ created: true });
    const second = await post();
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ created: false });
    const devices = await s.store.listByUser('ada');
    expect(devices.filter((d) => d.endpoint === device.endpoint)).toHaveLength(1);
    expect(devices.find((d) => d.endpoint === device.endpoint)?.userAgent).toBe('Firefox/153');
  });

  it('moves a device to the user who subscribes it now (another sign-in on that browser)', async () => {
    const device = s.push.subscribe();
    const payload = { subscription: device.subscription };
    await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: await auth('bob'), payload });
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: await auth('cy'), payload });
    expect(res.statusCode).toBe(200);
    expect((await s.store.listByUser('bob')).map((d) => d.endpoint)).not.toContain(device.endpoint);
    expect((await s.store.listByUser('cy')).map((d) => d.endpoint)).toContain(device.endpoint);
  });

  it("refuses to move a device to another user with other keys (a stranger who knows the endpoint), changing nothing", async () => {
    const victim = await s.addDevice('vic');
    const before = await s.store.findByEndpoint(victim.endpoint);
    const attacker = s.push.subscribe().subscription.keys; // keys the attacker can decrypt with
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: await auth('mallory'), payload: { subscription: { endpoint: victim.endpoint, keys: attacker } } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('endpoint_taken');
    expect(await s.store.findByEndpoint(victim.endpoint)).toEqual(before);
    expect(await s.store.listByUser('mallory')).toEqual([]);
  });

  it('lets the owner give a device new keys', async () => {
    const device = await s.addDevice('kit');
    const keys = s.push.subscribe().subscription.keys;
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: await auth('kit'), payload: { subscription: { endpoint: device.endpoint, keys } } });
    expect(res.statusCode).toBe(200);
    expect(await s.store.findByEndpoint(device.endpoint)).toMatchObject({ uid: 'kit', p256dh: keys.p256dh, auth: keys.auth });
  });

  const valid = () => s.push.subscribe().subscription;
  it.each([
    ['no subscription', () => ({}), 400, 'invalid_request'],
    ['no keys', () => ({ subscription: { endpoint: valid().endpoint } }), 400, 'invalid_request'],
    ['a number for the endpoint', () => ({ subscription: { ...valid(), endpoint: 42 } }), 400, 'invalid_request'],
    ['an endpoint on a host not allowed (SSRF)', () => ({ subscription: { ...valid(), endpoint: 'https://10.0.0.1/push/x' } }), 400, 'endpoint_not_allowed'],
    ['an http endpoint', () => ({ subscription: { ...valid(), endpoint: valid().endpoint.replace('https:', 'http:') } }), 400, 'endpoint_invalid'],
    ['a p256dh that is no P-256 point', () => ({ subscription: { ...valid(), keys: { ...valid().keys, p256dh: 'BAAA' } } }), 400, 'p256dh_invalid'],
    ['an auth secret of 8 bytes', () => ({ subscription: { ...valid(), keys: { ...valid().keys, auth: 'AAAAAAAAAAA' } } }), 400, 'auth_invalid'],
  ])('refuses %s and stores nothing', async (_name, body, status, code) => {
    const payload = body();
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: await auth('mallory'), payload });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(typeof res.json().error.message).toBe('string');
    expect(await s.store.listByUser('mallory')).toEqual([]);
  });

  it.each([
    ['no token', undefined, 'token_missing'],
    ['a token signed with another secret', 'other', 'token_invalid'],
    ['an expired token', 'expired', 'token_expired'],
    ['garbage', 'garbage', 'token_invalid'],
  ])('answers 401 to %s', async (_name, kind, code) => {
    let authorization: string | undefined;
    if (kind === 'other') authorization = `Bearer ${await s.userToken('ada', { secret: 'x'.repeat(40) })}`;
    if (kind === 'expired') authorization = `Bearer ${await s.userToken('ada', { expiresIn: '-1m' })}`;
    if (kind === 'garbage') authorization = 'Bearer not.a.jwt';
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: authorization ? { authorization } : {}, payload: { subscription: valid() } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await s.inject({
      method: 'POST', url: '/api/push/subscriptions', headers: await auth('ada'),
      payload: { subscription: { ...valid(), padding: 'x'.repeat(20_000) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  it('answers 415 to a body that is not JSON', async () => {
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { ...(await auth('ada')), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('answers 400 to malformed JSON', async () => {
    const res = await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { ...(await auth('ada')), 'content-type': 'application/json' }, payload: '{"subscription":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'invalid_json', message: 'the body is not valid JSON' } });
  });
});

describe('DELETE /api/push/subscriptions', () => {
  it('removes one of my devices (204)', async () => {
    const device = await s.addDevice('dee');
    const res = await s.inject({ method: 'DELETE', url: '/api/push/subscriptions', headers: await auth('dee'), payload: { endpoint: device.endpoint } });
    expect(res.statusCode).toBe(204);
    expect(await s.store.listByUser('dee')).toEqual([]);
  });

  // Was 403 not_your_device: that told a stranger the endpoint is registered.
  it("refuses to remove another user's device with the answer for an unknown one (404), and keeps it", async () => {
    const device = await s.addDevice('eve');
    const res = await s.inject({ method: 'DELETE', url: '/api/push/subscriptions', headers: await auth('fay'), payload: { endpoint: device.endpoint } });
    const unknown = await s.inject({ method: 'DELETE', url: '/api/push/subscriptions', headers: await auth('fay'), payload: { endpoint: s.push.endpoint() } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(unknown.json());
    expect((await s.store.listByUser('eve')).map((d) => d.endpoint)).toEqual([device.endpoint]);
  });

  it('answers 404 for a device it does not know', async () => {
    const res = await s.inject({ method: 'DELETE', url: '/api/push/subscriptions', headers: await auth('fay'), payload: { endpoint: s.push.endpoint() } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('device_not_found');
  });
});

describe('devices per user (RINGKIT_MAX_DEVICES_PER_USER)', () => {
  it('keeps at most the configured number, dropping the one longest without a delivery; the list stays bounded', async () => {
    const capped = await startTestSender({ push: s.push, subscriptionWritesPerMinute: 1000, env: { RINGKIT_MAX_DEVICES_PER_USER: '3' } });
    try {
      const [old, idle, recent] = [await capped.addDevice('max'), await capped.addDevice('max'), await capped.addDevice('max')];
      const t = Date.now();
      await capped.store.recordOutcome(old!.endpoint, 'delivered', new Date(t + 1000));
      await capped.store.recordOutcome(recent!.endpoint, 'delivered', new Date(t + 2000));
      await capped.store.recordOutcome(idle!.endpoint, 'failed:500', new Date(t + 3000)); // a failure is no delivery
      const fourth = await capped.addDevice('max');
      const kept = (await capped.store.listByUser('max')).map((d) => d.endpoint).sort();
      expect(kept).toEqual([old!.endpoint, recent!.endpoint, fourth.endpoint].sort());
      for (let i = 0; i < 5; i++) await capped.addDevice('max');
      expect(await capped.store.listByUser('max')).toHaveLength(3);
      const list = await capped.inject({ method: 'GET', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${await capped.userToken('max')}` } });
      expect(list.json().devices).toHaveLength(3);
    } finally {
      await capped.close();
    }
  });

  it('is 20 by default, and takes 1 to 1000', async () => {
    const { loadConfig } = await import('../../server/config');
    expect(loadConfig({}).maxDevicesPerUser).toBe(20);
    expect(loadConfig({ RINGKIT_MAX_DEVICES_PER_USER: '5' }).maxDevicesPerUser).toBe(5);
    for (const bad of ['0', 'many', '1001']) expect(() => loadConfig({ RINGKIT_MAX_DEVICES_PER_USER: bad })).toThrow(/RINGKIT_MAX_DEVICES_PER_USER/);
  });
});

describe('rate limit on subscription writes', () => {
  it('answers 429 with Retry-After once a user writes too often, and counts per user', async () => {
    const limited = await startTestSender({ push: s.push, subscriptionWritesPerMinute: 3 });
    try {
      const post = async (uid: string) =>
        limited.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${await limited.userToken(uid)}` }, payload: { subscription: makeTestSubscription(s.push.endpoint()).subscription } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await post('spammer')).statusCode);
      expect(statuses).toEqual([201, 201, 201, 429]);
      const last = await post('spammer');
      expect(last.json().error.code).toBe('rate_limited');
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      expect((await post('someone-else')).statusCode).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('errors', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const res = await s.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});
