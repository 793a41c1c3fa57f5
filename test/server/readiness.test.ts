/**
 * GET /readyz, a load balancer's view: ready only while the store answers,
 * holds this build's schema, and the instance is not draining. /healthz stays
 * liveness: the process is up.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyResponse } from '../../protocol/api';
import { latestSchemaVersion } from '../../server/store/migrations';
import { metricValue, parseMetrics } from '../support/metrics';
import { startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, postgresFactory, sqliteFactory } from '../support/stores';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

afterAll(cleanupStores);

const ready = async (s: TestSender) => {
  const res = await s.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json<ReadyResponse>() };
};
const READY: ReadyResponse = { status: 'ready', store: 'ok', migrations: 'done', draining: false };

describe('GET /readyz while PostgreSQL goes away', () => {
  let s: TestSender;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const direct = new URL(await postgresFactory.location());
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
    direct.port = String(proxy.port);
    s = await startTestSender({ store: await postgresFactory.openAt(direct.toString(), { onError: () => {} }), env: { RINGKIT_METRICS: '1' } });
  });
  afterAll(async () => {
    await s.close();
    await proxy.close();
  });

  it('is 503 with the store unreachable, counts the store errors, and is ready again once it is back', async () => {
    expect(await ready(s)).toEqual({ status: 200, body: READY });
    const errorsBefore = metricValue(parseMetrics((await s.inject({ method: 'GET', url: '/metrics' })).body), 'ringkit_store_errors_total', { kind: 'unavailable' });
    proxy.set('refusing');
    try {
      expect(await ready(s)).toEqual({ status: 503, body: { status: 'unready', store: 'unreachable', migrations: 'pending', draining: false } });
      const ring = await s.inject({
        method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
        payload: { recipientUid: 'ada', sessionId: 'v1.us.down', callerName: 'Bob', callerUid: 'bob', callType: 'audio' },
      });
      expect(ring.statusCode).toBe(503);
    } finally {
      proxy.set('up');
    }
    expect(await ready(s)).toEqual({ status: 200, body: READY });
    const errorsAfter = metricValue(parseMetrics((await s.inject({ method: 'GET', url: '/metrics' })).body), 'ringkit_store_errors_total', { kind: 'unavailable' });
    // The readiness probe's failure and the ring's.
    expect(errorsAfter - errorsBefore).toBe(2);
  });
});

describe('GET /readyz', () => {
  it('is 503 "draining" once the instance starts to stop, while /healthz and rings still answer', async () => {
    const s = await startTestSender();
    try {
      expect(await ready(s)).toEqual({ status: 200, body: READY });
      const device = await s.addDevice('ada');
      s.app.startDraining();
      expect(await ready(s)).toEqual({ status: 503, body: { ...READY, status: 'unready', draining: true } });
      expect((await s.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ring = await s.inject({
        method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
        payload: { recipientUid: 'ada', sessionId: 'v1.us.draining', callerName: 'Bob', callerUid: 'bob', callType: 'audio' },
      });
      expect(ring.json()).toMatchObject({ devices: 1, delivered: 1 });
      expect(device.received).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it("is 503 \"migrations pending\" when the database holds an older schema than this build's (restored from an old backup)", async () => {
    const file = await sqliteFactory.location();
    const store = await sqliteFactory.openAt(file);
    const s = await startTestSender({ store });
    try {
      expect(await ready(s)).toEqual({ status: 200, body: READY });
      const db = new Database(file);
      db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(latestSchemaVersion);
      db.close();
      expect(await ready(s)).toEqual({ status: 503, body: { ...READY, status: 'unready', migrations: 'pending' } });
      expect((await s.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await s.close();
      await store.close();
    }
  });
});
