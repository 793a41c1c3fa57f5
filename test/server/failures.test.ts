import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStore } from '../../server/store/types';
import { closeStores, sqliteFactory } from '../support/stores';
import { startTestSender, type TestSender } from '../support/sender';

/** A store whose database went away: every call fails as a driver would. */
function brokenStore(real: DeviceStore): DeviceStore {
  const fail = () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2'));
  return { ...real, kind: real.kind, upsert: fail, listByUser: fail, findByEndpoint: fail, remove: fail, ping: fail, close: () => real.close() };
}

describe('when the store fails', () => {
  let s: TestSender;
  beforeAll(async () => {
    s = await startTestSender({ store: brokenStore(await sqliteFactory.open()) });
  });
  afterAll(async () => {
    await s.close();
    await closeStores();
  });

  it('answers a ring with a 500 that tells nothing of the cause', async () => {
    const res = await s.inject({
      method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
      payload: { recipientUid: 'a', sessionId: 's', callerName: 'B', callerUid: 'b', callType: 'audio' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(res.body).not.toMatch(/ECONNREFUSED|hunter2|at /);
  });

  it('tells /healthz the store is unreachable (503)', async () => {
    const res = await s.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', store: 'unreachable' });
  });
});

describe('content types', () => {
  let s: TestSender;
  beforeAll(async () => {
    s = await startTestSender();
  });
  afterAll(() => s.close());

  it('accepts application/json with a charset', async () => {
    const device = s.push.subscribe();
    const res = await s.inject({
      method: 'POST', url: '/api/push/subscriptions',
      headers: { authorization: `Bearer ${await s.userToken('ada')}`, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ subscription: device.subscription }),
    });
    expect(res.statusCode).toBe(201);
  });
});
