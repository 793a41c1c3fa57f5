import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import webpush from 'web-push';
import { Deliverer, type PushMessage } from '../../server/push/deliver';
import { createPushEncryptor } from '../../server/push/encryption';
import { createPushTransport, type PushTransport } from '../../server/push/transport';
import { VapidHeaderCache } from '../../server/push/vapid-header';
import type { Device, DeviceStore } from '../../server/store/types';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { closeStores, sqliteFactory } from '../support/stores';

let push: PushService;
let store: DeviceStore;
let deliverer: Deliverer;
let transport: PushTransport;
const keys = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@ringkit.example' };

beforeAll(async () => {
  push = await startPushService();
  store = await sqliteFactory.open();
  transport = createPushTransport({ ca: push.cert });
  deliverer = new Deliverer({
    store,
    vapid: new VapidHeaderCache(keys),
    transport,
    encryptor: createPushEncryptor(0),
    logger: pino({ level: 'silent' }),
    attemptTimeoutMs: 300,
    random: () => 0,
  });
});
afterAll(async () => {
  transport.close();
  await push.close();
  await closeStores();
});

async function device(uid: string): Promise<{ test: TestDevice; stored: Device }> {
  const test = push.subscribe();
  const { device: stored } = await store.upsert({ uid, endpoint: test.endpoint, ...test.subscription.keys, userAgent: null });
  return { test, stored };
}

const message = (deadlineInMs: number): PushMessage => ({
  payload: { type: 'call_ended', v: 1, sessionId: 's', reason: 'cancelled', timestamp: Date.now() },
  topic: 'abc',
  deadline: Date.now() + deadlineInMs,
});

describe('Deliverer', () => {
  it('answers within its bound with a hanging push service counted pending, then gives up at the deadline and keeps the device', async () => {
    const { test, stored } = await device('hang');
    push.script(test.id, ...Array.from({ length: 20 }, () => ({ hang: true as const })));
    const started = Date.now();
    const { counts, settled } = await deliverer.deliver([stored], message(1500), 200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(counts).toEqual({ devices: 1, delivered: 0, purged: 0, failed: 0, pending: 1 });
    expect(await settled).toEqual({ devices: 1, delivered: 0, purged: 0, failed: 1, pending: 0 });
    expect(test.received.length).toBeGreaterThan(1); // each attempt timed out and was retried
    expect((await store.findByEndpoint(stored.endpoint))?.lastOutcome).toMatch(/^failed:/);
  });

  it('does not wait out a Retry-After that ends after the ring', async () => {
    const { test, stored } = await device('late');
    push.script(test.id, { status: 429, headers: { 'Retry-After': '120' } });
    const { counts } = await deliverer.deliver([stored], message(2000), 1000);
    expect(counts).toEqual({ devices: 1, delivered: 0, purged: 0, failed: 1, pending: 0 });
    expect(test.received).toHaveLength(1);
    expect((await store.findByEndpoint(stored.endpoint))?.lastOutcome).toBe('failed:429');
  });

  it('once closed, starts no retry and writes no outcome (the store may be closed next)', async () => {
    const closing = new Deliverer({ store, vapid: new VapidHeaderCache(keys), transport, encryptor: createPushEncryptor(0), logger: pino({ level: 'silent' }), random: () => 0 });
    const { test, stored } = await device('closing');
    push.script(test.id, { status: 503, headers: { 'Retry-After': '2' } });
    const { settled } = await closing.deliver([stored], message(10_000), 0);
    await push.waitForCount(test.id, 1);
    closing.close();
    expect(await settled).toEqual({ devices: 1, delivered: 0, purged: 0, failed: 1, pending: 0 });
    expect(test.received).toHaveLength(1);
    expect((await store.findByEndpoint(stored.endpoint))?.lastOutcome).toBeNull();
  });

  it('keeps retrying a 500 storm only until the deadline', async () => {
    const { test, stored } = await device('storm');
    push.script(test.id, ...Array.from({ length: 50 }, () => ({ status: 500 })));
    const started = Date.now();
    const { counts } = await deliverer.deliver([stored], message(1200), 5000);
    expect(counts.failed).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(test.received.length).toBeGreaterThanOrEqual(3);
    for (const r of test.received) expect(r.headers.ttl).toBeLessThanOrEqual(2);
    expect(await store.findByEndpoint(stored.endpoint)).toBeDefined();
  });

  it('does not purge a device that re-subscribed while its 410 was on the way', async () => {
    const { test, stored } = await device('resub');
    push.script(test.id, { delayMs: 150, status: 410 });
    const delivery = deliverer.deliver([stored], message(3000), 3000);
    await new Promise((r) => setTimeout(r, 50));
    await store.upsert({ uid: 'resub', endpoint: stored.endpoint, p256dh: stored.p256dh, auth: stored.auth, userAgent: 'again' });
    expect((await delivery).counts.purged).toBe(1);
    expect(await store.findByEndpoint(stored.endpoint)).toBeDefined();
  });

  it('reuses connections and one VAPID signature for a push service', async () => {
    const devices = await Promise.all(Array.from({ length: 5 }, (_, i) => device(`reuse-${i}`)));
    await deliverer.deliver(devices.map((d) => d.stored), message(5000), 5000);
    await deliverer.deliver(devices.map((d) => d.stored), message(5000), 5000);
    const pushes = devices.flatMap((d) => d.test.received);
    expect(pushes).toHaveLength(10);
    expect(new Set(pushes.map((p) => p.headers.authorization)).size).toBe(1);
    expect(new Set(pushes.map((p) => p.connectionId)).size).toBeLessThan(pushes.length);
  });
});

describe('VapidHeaderCache', () => {
  it('signs once per origin and again shortly before the signature expires', () => {
    let now = Date.parse('2026-11-25T00:00:00Z');
    const cache = new VapidHeaderCache(keys, () => now);
    const a1 = cache.authorization('https://fcm.googleapis.com/fcm/send/1');
    expect(cache.authorization('https://fcm.googleapis.com/fcm/send/2')).toBe(a1);
    expect(cache.authorization('https://updates.push.services.mozilla.com/wpush/v2/x')).not.toBe(a1);
    now += 10 * 3600_000;
    expect(cache.authorization('https://fcm.googleapis.com/fcm/send/3')).toBe(a1);
    now += 1.5 * 3600_000; // within an hour of the 12 h expiry
    const a2 = cache.authorization('https://fcm.googleapis.com/fcm/send/4');
    expect(a2).not.toBe(a1);
    const jwt = /t=([^,]+)/.exec(a2)![1]!;
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { aud: string; exp: number; sub: string };
    expect(claims).toEqual({ aud: 'https://fcm.googleapis.com', exp: Math.floor(now / 1000) + 12 * 3600, sub: keys.subject });
  });
});
