/**
 * Several sender instances on one PostgreSQL database, in this process: what
 * one registers another rings, and concurrent registrations of one endpoint
 * through different instances never make two devices.
 */
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPushService, type PushService } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, postgresFactory } from '../support/stores';

let push: PushService;
let a: TestSender;
let b: TestSender;

beforeAll(async () => {
  push = await startPushService();
  const location = await postgresFactory.location();
  // Instances share their configuration: the VAPID key pair, the API key and the auth secret.
  const keys = webpush.generateVAPIDKeys();
  const env = { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, RINGKIT_API_KEY: 'shared-api-key', RINGKIT_AUTH_SECRET: 'a shared auth secret of 32+ characters' };
  a = await startTestSender({ push, env, store: await postgresFactory.openAt(location), subscriptionWritesPerMinute: 1000 });
  b = await startTestSender({ push, env, store: await postgresFactory.openAt(location), subscriptionWritesPerMinute: 1000 });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await push.close();
  await cleanupStores();
});

const ring = (s: TestSender, uid: string, sessionId: string) =>
  s.inject({
    method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
    payload: { recipientUid: uid, sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'video' },
  });

describe('two sender instances on one PostgreSQL database', () => {
  it('ring a device through one that was registered through the other, and forget it for both once removed', async () => {
    const device = await a.addDevice('ada');
    expect((await ring(b, 'ada', 'v1.us.via-b')).json()).toEqual({ devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 });
    expect(device.received.map((r) => r.payload)).toEqual([expect.objectContaining({ sessionId: 'v1.us.via-b', callType: 'video' })]);
    expect(device.received[0]!.vapid.valid).toBe(true);

    const removed = await b.inject({ method: 'DELETE', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${await b.userToken('ada')}` }, payload: { endpoint: device.endpoint } });
    expect(removed.statusCode).toBe(204);
    expect((await ring(a, 'ada', 'v1.us.after-removal')).json()).toMatchObject({ devices: 0 });
  });

  it('keep one device when both get the same endpoint at once, for one user or several', async () => {
    const device = push.subscribe();
    const users = ['cy', 'cy', 'dee', 'cy', 'eve', 'cy'];
    const results = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const s = i % 2 ? a : b;
        const res = await s.inject({
          method: 'POST', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${await s.userToken(users[i % users.length]!)}` },
          payload: { subscription: device.subscription },
        });
        return res.statusCode;
      }),
    );
    expect(results.filter((status) => status === 201)).toHaveLength(1);
    expect(results.filter((status) => status === 200)).toHaveLength(23);
    const owners = await Promise.all(['cy', 'dee', 'eve'].map(async (uid) => (await a.store.listByUser(uid)).filter((d) => d.endpoint === device.endpoint)));
    expect(owners.flat()).toHaveLength(1);
  });
});
