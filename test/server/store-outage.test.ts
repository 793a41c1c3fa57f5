/**
 * The sender losing its PostgreSQL database and getting it back: requests
 * meanwhile get a clear 503 (never a hang, never a 500), /healthz says the
 * store is unreachable, and the pool reconnects by itself.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnavailable } from '../../server/store/unavailable';
import { startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, postgresFactory } from '../support/stores';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

let s: TestSender;
let proxy: TcpProxy;
let direct: string;

beforeAll(async () => {
  direct = await postgresFactory.location();
  const target = new URL(direct);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const proxied = new URL(direct);
  proxied.port = String(proxy.port);
  s = await startTestSender({ store: await postgresFactory.openAt(proxied.toString(), { onError: () => {} }) });
});
afterAll(async () => {
  await s.close();
  await proxy.close();
  await cleanupStores();
});

const ring = (uid: string, sessionId: string) =>
  s.inject({
    method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
    payload: { recipientUid: uid, sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'audio' },
  });

function expectStoreUnavailable(res: Awaited<ReturnType<typeof ring>>) {
  expect(res.statusCode).toBe(503);
  expect(res.json()).toEqual({ error: { code: 'store_unavailable', message: expect.stringMatching(/database/) } });
  expect(res.headers['retry-after']).toBe('5');
  expect(res.body).not.toMatch(/ECONN|terminated|127\.0\.0\.1/);
}

describe('a sender whose PostgreSQL goes away', () => {
  it.each(['refusing', 'black-hole'] as const)('answers 503 while the database is %s, then recovers by itself', async (state) => {
    const device = await s.addDevice(`ada-${state}`);
    proxy.set(state);
    try {
      const health = await s.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'unavailable', store: 'unreachable' });
      expectStoreUnavailable(await ring(`ada-${state}`, `v1.us.down-${state}`));
      const token = await s.userToken(`ada-${state}`);
      expectStoreUnavailable(await s.inject({ method: 'GET', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${token}` } }));
      expectStoreUnavailable(
        await s.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${token}` }, payload: { subscription: s.push.subscribe().subscription } }),
      );
    } finally {
      proxy.set('up');
    }
    expect((await s.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const res = await ring(`ada-${state}`, `v1.us.up-${state}`);
    expect(res.json()).toEqual({ devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 });
    expect(device.received.map((r) => (r.payload as { sessionId: string }).sessionId)).toEqual([`v1.us.up-${state}`]);
  });

  it('reconnects after its connections are terminated on the server, answering 200 or 503 meanwhile, never a 500', async () => {
    await s.addDevice('cy');
    const admin = new pg.Client({ connectionString: direct });
    await admin.connect();
    try {
      const statuses: number[] = [];
      for (let round = 0; round < 3; round++) {
        const requests = Array.from({ length: 6 }, (_, i) =>
          i % 2 ? ring('cy', `v1.us.terminate-${round}-${i}`) : s.inject({ method: 'GET', url: '/healthz' }),
        );
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        statuses.push(...(await Promise.all(requests)).map((r) => r.statusCode));
      }
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    } finally {
      await admin.end();
    }
    const after = await ring('cy', 'v1.us.after-terminate');
    expect(after.json()).toMatchObject({ devices: 1, delivered: 1 });
  });
});

describe('which store errors mean "out of reach for now"', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    ['a refused connection', withCode('ECONNREFUSED'), true],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly'), true],
    ['no connection within the pool timeout', new Error('timeout exceeded when trying to connect'), true],
    ['the server shutting down (57P01)', withCode('57P01'), true],
    ['a connection exception (08006)', withCode('08006'), true],
    ['too many connections (53300)', withCode('53300'), true],
    ['a statement timeout (57014)', withCode('57014'), true],
    ['a busy SQLite file', withCode('SQLITE_BUSY'), true],
    ['a unique violation (23505): a bug, not an outage', withCode('23505'), false],
    ['a syntax error (42601)', withCode('42601'), false],
    ['a constraint failing in SQLite', withCode('SQLITE_CONSTRAINT_UNIQUE'), false],
    ['not an Error', 'ECONNREFUSED', false],
  ])('%s', (_name, err, expected) => {
    expect(isUnavailable(err)).toBe(expected);
  });
});
