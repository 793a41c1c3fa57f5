/**
 * "Why didn't it ring?": GET /api/calls/:sessionId tells an operator with the
 * API key what happened to each push of a call on each device (never its
 * endpoint or keys), from the store, so any instance answers for a ring
 * another sent; the worker's "shown" report tells delivered from shown.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallTraceResponse, DeviceTrace } from '../../protocol/api';
import { CallRecordPruner, KEEP_CALL_RECORDS_MS } from '../../server/call-record-pruner';
import type { DeviceStore } from '../../server/store/types';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { loopbackSenderEnv, startTestSender, type TestSender } from '../support/sender';
import { cleanupStores, closeStores, storeFactories } from '../support/stores';

let push: PushService;
beforeAll(async () => {
  push = await startPushService();
});
afterAll(async () => {
  await push.close();
  await cleanupStores();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(storeFactories)('GET /api/calls/:sessionId, two instances on one $name store', (factory) => {
  let a: TestSender;
  let b: TestSender;
  beforeAll(async () => {
    // Two instances of one deployment: the same keys, one storage.
    const env = loopbackSenderEnv(await mkdtemp(join(tmpdir(), 'ringkit-trace-')));
    const location = await factory.location();
    a = await startTestSender({ push, env, store: await factory.openAt(location) });
    b = await startTestSender({ push, env, store: await factory.openAt(location) });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await closeStores();
  });

  const api = (s: TestSender, method: 'GET' | 'POST', url: string, payload?: object, key = s.secrets.apiKey) =>
    s.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const trace = async (sessionId: string, s = b) => {
    const res = await api(s, 'GET', `/api/calls/${encodeURIComponent(sessionId)}`);
    expect(res.statusCode).toBe(200);
    return res.json<CallTraceResponse>();
  };
  const deviceId = async (device: TestDevice) => (await a.store.findByEndpoint(device.endpoint))!.id;

  it('tells, per device, one delivered, one purged (410) and one retried (503, then 201), from the instance that did not ring', async () => {
    const sessionId = `v1.us.trace-${factory.name}`;
    const [delivered, gone, retried] = [await a.addDevice('ada'), await a.addDevice('ada'), await a.addDevice('ada')];
    const ids = { delivered: await deviceId(delivered), gone: await deviceId(gone), retried: await deviceId(retried) };
    push.script(gone.id, { status: 410 });
    push.script(retried.id, { status: 503 });
    const ringAt = Date.now();
    const rung = await api(a, 'POST', '/api/calls', { recipientUid: 'ada', sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'audio' });
    expect(rung.json()).toEqual({ devices: 3, delivered: 2, purged: 1, failed: 0, pending: 0 });
    await a.app.drain();

    const body = await trace(sessionId);
    expect(body.sessionId).toBe(sessionId);
    const byId = new Map(body.devices.map((d) => [d.deviceId, d]));
    expect([...byId.keys()].sort()).toEqual(Object.values(ids).sort());
    const ringOf = (id: string) => byId.get(id)!.ring!;
    expect(byId.get(ids.delivered)).toEqual<DeviceTrace>({
      deviceId: ids.delivered, uid: 'ada', pushService: 'other',
      ring: { sentAt: expect.stringMatching(ISO), answer: '201', retries: 0, outcome: 'delivered', finishedAt: expect.stringMatching(ISO), shownAt: null },
    });
    expect(ringOf(ids.gone)).toMatchObject({ answer: '410', retries: 0, outcome: 'purged' });
    expect(ringOf(ids.retried)).toMatchObject({ answer: '201', retries: 1, outcome: 'delivered' });
    for (const d of body.devices) {
      expect(Date.parse(d.ring!.sentAt!)).toBeGreaterThanOrEqual(ringAt - 5);
      expect(Date.parse(d.ring!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(d.ring!.sentAt!));
      expect(d.callEnded).toBeUndefined();
    }
    // Never a device's endpoint or keys.
    const text = JSON.stringify(body);
    for (const device of [delivered, gone, retried]) {
      for (const secret of [device.endpoint, device.subscription.keys.p256dh, device.subscription.keys.auth]) expect(text).not.toContain(secret);
    }

    // The cancel reaches the two devices left; each one's trace gets its call_ended.
    await api(a, 'POST', `/api/calls/${sessionId}/cancel`, { recipientUid: 'ada' });
    await a.app.drain();
    const after = new Map((await trace(sessionId)).devices.map((d) => [d.deviceId, d]));
    expect(after.get(ids.delivered)!.callEnded).toMatchObject({ answer: '201', outcome: 'delivered', retries: 0 });
    expect(after.get(ids.retried)!.callEnded).toMatchObject({ answer: '201', outcome: 'delivered' });
    expect(after.get(ids.gone)!.callEnded).toBeUndefined();
    expect(after.get(ids.gone)!.ring).toMatchObject({ outcome: 'purged' });
  });

  it("tells delivered from shown: the worker's report with the ring's decline token marks that device only", async () => {
    const sessionId = `v1.us.shown-${factory.name}`;
    const [laptop, phone] = [await a.addDevice('grace'), await a.addDevice('grace')];
    await api(a, 'POST', '/api/calls', { recipientUid: 'grace', sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'video' });
    await a.app.drain();
    const [ring] = await push.waitForCount(laptop.id, 1);
    const declineToken = (ring!.payload as { declineToken: string }).declineToken;
    const shown = (endpoint: string, token = declineToken, session = sessionId) =>
      b.inject({ method: 'POST', url: `/api/calls/${session}/shown`, headers: { authorization: `Bearer ${token}` }, payload: { endpoint } });

    expect((await shown(laptop.endpoint)).statusCode).toBe(204);
    const devices = new Map((await trace(sessionId)).devices.map((d) => [d.deviceId, d]));
    expect(devices.get(await deviceId(laptop))!.ring).toMatchObject({ outcome: 'delivered', shownAt: expect.stringMatching(ISO) });
    expect(devices.get(await deviceId(phone))!.ring).toMatchObject({ outcome: 'delivered', shownAt: null });

    // Someone else's device, a token for another call, no token: refused, nothing marked.
    const stranger = await a.addDevice('mallory');
    expect((await shown(stranger.endpoint)).json()).toMatchObject({ error: { code: 'device_not_found' } });
    expect((await shown(phone.endpoint, declineToken, 'v1.us.another-call')).json()).toMatchObject({ error: { code: 'token_wrong_session' } });
    expect((await shown(phone.endpoint, a.secrets.apiKey)).statusCode).toBe(401);
    const again = new Map((await trace(sessionId)).devices.map((d) => [d.deviceId, d]));
    expect(again.get(await deviceId(phone))!.ring!.shownAt).toBeNull();
    expect([...again.values()].map((d) => d.uid)).toEqual(['grace', 'grace']);
  });

  it('needs the API key, and answers 404 for a call it has no record of (unknown, or pruned after 24 h)', async () => {
    const sessionId = `v1.us.pruned-${factory.name}`;
    expect((await api(b, 'GET', '/api/calls/v1.us.unknown')).json()).toEqual({
      error: { code: 'call_not_found', message: expect.stringMatching(/24 h/) },
    });
    const res = await api(b, 'GET', '/api/calls/v1.us.unknown', undefined, 'wrong-key');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'api_key_invalid' } });

    await a.addDevice('cy');
    await api(a, 'POST', '/api/calls', { recipientUid: 'cy', sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'audio' });
    await a.app.drain();
    expect((await trace(sessionId)).devices).toHaveLength(1);
    // What the pruner does a day later.
    await a.store.pruneCallRecords(new Date(Date.now() + 1000));
    expect((await api(b, 'GET', `/api/calls/${sessionId}`)).statusCode).toBe(404);
  });
});

describe('CallRecordPruner', () => {
  it('prunes what is older than a day, at most once an hour', async () => {
    const pruneCallRecords = vi.fn(async (_before: Date) => {});
    const pruner = new CallRecordPruner({ store: { pruneCallRecords } as unknown as DeviceStore, logger: { warn: () => {} } as never });
    const now = Date.UTC(2026, 0, 1, 12);
    pruner.due(now);
    pruner.due(now + 59 * 60_000);
    pruner.due(now + 60 * 60_000);
    await pruner.drain();
    expect(pruneCallRecords.mock.calls.map(([before]) => before.getTime())).toEqual([now - KEEP_CALL_RECORDS_MS, now + 60 * 60_000 - KEEP_CALL_RECORDS_MS]);
    expect(KEEP_CALL_RECORDS_MS).toBe(24 * 60 * 60_000);
  });
});
