/**
 * Rings to push services that fail in every way a remote service can
 * (test/support/faulty-push-host.ts). For each fault: the ring is answered,
 * retries stop at the ring's deadline and carry a TTL that never outlives it,
 * only 404/410 delete the device, and a bad host never holds up another.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeliveryCounts } from '../../protocol/api';
import { startFaultyPushHost, type Fault, type FaultyPushHost } from '../support/faulty-push-host';
import { startTestSender, type TestSender } from '../support/sender';
import type { TestSubscription } from '../support/subscriptions';

const TTL_S = 3;
const TTL_MS = TTL_S * 1000;

let s: TestSender;
const hosts: FaultyPushHost[] = [];
beforeAll(async () => {
  // A short ring, a short bound per attempt and per answer: faults play out within a test.
  s = await startTestSender({ ttlSeconds: TTL_S, attemptTimeoutMs: 600, answerWithinMs: 1000 });
});
afterAll(async () => {
  await s.close();
  await Promise.all(hosts.map((h) => h.close()));
});

async function host(fault: Fault): Promise<FaultyPushHost> {
  const h = await startFaultyPushHost(fault);
  hosts.push(h);
  return h;
}

async function storeDevice(uid: string, sub: TestSubscription): Promise<string> {
  const { endpoint, keys } = sub.subscription;
  await s.store.upsert({ uid, endpoint, p256dh: keys.p256dh, auth: keys.auth, userAgent: null });
  return endpoint;
}

async function ring(uid: string): Promise<{ counts: DeliveryCounts; answeredAt: number }> {
  const res = await s.inject({
    method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
    payload: { recipientUid: uid, sessionId: `v1.us.${randomUUID()}`, callerName: 'Bob', callerUid: 'bob', callType: 'audio' },
  });
  expect(res.statusCode).toBe(200);
  return { counts: res.json(), answeredAt: Date.now() };
}

/** The device's final outcome once delivery gave up or succeeded: "purged" when it was deleted. */
async function finalOutcome(endpoint: string): Promise<{ outcome: string; at: number }> {
  return vi.waitFor(
    async () => {
      const device = await s.store.findByEndpoint(endpoint);
      if (!device) return { outcome: 'purged', at: Date.now() };
      if (!device.lastOutcome) throw new Error('no outcome yet');
      return { outcome: device.lastOutcome, at: Date.now() };
    },
    // Generous: the ring's own deadline plus a second; the assertions below are on order and outcome.
    { timeout: TTL_MS + 3000, interval: 25 },
  );
}

// Concurrent: each case has its own host (origin) and user, and none waits on another.
describe.concurrent('a ring to a push service that', () => {
  it.each<[string, Fault, string, 'retried' | 'once']>([
    ['refuses connections', { kind: 'refused' }, 'failed:refused', 'retried'],
    ['resets the connection mid-request', { kind: 'reset' }, 'failed:reset', 'retried'],
    ['shows a certificate nobody trusts', { kind: 'untrusted-cert' }, 'failed:tls', 'retried'],
    ['aborts the TLS handshake', { kind: 'handshake-abort' }, 'failed:reset', 'retried'],
    // Retries wait on the one connection still being set up instead of opening more into the hole.
    ['accepts and never speaks (black hole)', { kind: 'black-hole' }, 'failed:timeout', 'once'],
    ['trickles an answer that never ends (total deadline, not idle timeout)', { kind: 'trickle' }, 'failed:timeout', 'retried'],
    ['answers 500, always', { kind: 'status', status: 500 }, 'failed:500', 'retried'],
    ['answers 503, always', { kind: 'status', status: 503 }, 'failed:503', 'retried'],
    ['answers 429 with Retry-After, always', { kind: 'status', status: 429, headers: { 'Retry-After': '1' } }, 'failed:429', 'retried'],
    ['answers 400', { kind: 'status', status: 400 }, 'failed:400', 'once'],
    ['answers 403 (VAPID refused)', { kind: 'status', status: 403 }, 'failed:403', 'once'],
    ['answers 413', { kind: 'status', status: 413 }, 'failed:413', 'once'],
  ])('%s: is answered, gives up by the deadline and keeps the device', async (_name, fault, outcome, retries) => {
    const h = await host(fault);
    const uid = `fault-${randomUUID()}`;
    const endpoint = await storeDevice(uid, h.subscribe());
    const { counts, answeredAt } = await ring(uid);
    expect(counts.devices).toBe(1);
    expect(counts.delivered).toBe(0);
    const final = await finalOutcome(endpoint);
    expect(final.outcome).toBe(outcome);
    expect(await s.store.findByEndpoint(endpoint)).toBeDefined();
    // The ring's deadline is at most TTL after its answer: no attempt after it, and each TTL within it.
    const deadline = answeredAt + TTL_MS;
    // Nothing listens on a refused port to count attempts; the outcome says it was tried.
    if (fault.kind !== 'refused') {
      if (retries === 'retried') expect(h.attempts.length).toBeGreaterThanOrEqual(2);
      else expect(h.attempts).toHaveLength(1);
    }
    for (const a of h.attempts) {
      expect(a.at).toBeLessThanOrEqual(deadline);
      if (a.ttl !== undefined) {
        expect(a.ttl).toBeGreaterThanOrEqual(1);
        expect(a.at + a.ttl * 1000).toBeLessThanOrEqual(deadline + 1000); // TTL is whole seconds, rounded up
      }
    }
    expect(h.attempts.filter((a) => a.ttl !== undefined).length > 0).toBe(['status', 'reset', 'trickle'].includes(fault.kind));
  });

  it('answers 429 storms no sooner than each Retry-After asks', async () => {
    const h = await host({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
    const uid = `retry-after-${randomUUID()}`;
    const endpoint = await storeDevice(uid, h.subscribe());
    await ring(uid);
    await finalOutcome(endpoint);
    expect(h.attempts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < h.attempts.length; i++) expect(h.attempts[i]!.at - h.attempts[i - 1]!.at).toBeGreaterThanOrEqual(950);
    // Retried with a TTL shrunk to what is left of the ring.
    expect(h.attempts.at(-1)!.ttl).toBeLessThan(h.attempts[0]!.ttl!);
  });

  it.each([404, 410])('answers %i: the device is deleted, after one attempt', async (status) => {
    const h = await host({ kind: 'status', status });
    const uid = `gone-${randomUUID()}`;
    const endpoint = await storeDevice(uid, h.subscribe());
    const { counts } = await ring(uid);
    expect(counts).toEqual({ devices: 1, delivered: 0, purged: 1, failed: 0, pending: 0 });
    expect(await s.store.findByEndpoint(endpoint)).toBeUndefined();
    expect(h.attempts).toHaveLength(1);
  });

  it('answers slowly but within the bounds: delivered, and the ring\'s answer counts it', async () => {
    const h = await host({ kind: 'status', status: 201, delayMs: 300 });
    const uid = `slow-${randomUUID()}`;
    const endpoint = await storeDevice(uid, h.subscribe());
    const { counts } = await ring(uid);
    expect(counts).toEqual({ devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 });
    expect((await s.store.findByEndpoint(endpoint))?.lastOutcome).toBe('delivered');
  });
});

describe('one bad push-service host', () => {
  it('does not keep a user\'s other device, on a good host, from ringing: the answer counts it delivered', async () => {
    const hole = await host({ kind: 'black-hole' });
    const uid = `mixed-${randomUUID()}`;
    const holeEndpoint = await storeDevice(uid, hole.subscribe());
    const good = s.push.subscribe();
    await storeDevice(uid, good);
    const { counts } = await ring(uid);
    expect(counts).toEqual({ devices: 2, delivered: 1, purged: 0, failed: 0, pending: 1 });
    expect(good.received).toHaveLength(1);
    expect(good.received[0]!.payload).toMatchObject({ type: 'incoming_call' });
    expect((await finalOutcome(holeEndpoint)).outcome).toBe('failed:timeout');
    expect(await s.store.listByUser(uid)).toHaveLength(2);
  });

  it('does not slow rings to other hosts, even with every push slot to it taken', async () => {
    const hole = await host({ kind: 'black-hole' });
    const stuck = `stuck-${randomUUID()}`;
    const endpoints = await Promise.all(Array.from({ length: 40 }, () => storeDevice(stuck, hole.subscribe())));
    const order: string[] = [];
    const stuckRing = ring(stuck).then((r) => {
      order.push('stuck answered');
      return r;
    });
    // Its 32 push slots now wait on the hole (on the one connection being set up).
    await vi.waitFor(() => expect(hole.attempts.length).toBeGreaterThanOrEqual(1), { timeout: 2000, interval: 10 });
    const fine = `fine-${randomUUID()}`;
    const device = s.push.subscribe();
    await storeDevice(fine, device);
    const fineRing = await ring(fine);
    order.push('fine answered');
    expect(fineRing.counts).toEqual({ devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 });
    expect((await stuckRing).counts).toMatchObject({ devices: 40, delivered: 0, pending: 40 });
    expect(order).toEqual(['fine answered', 'stuck answered']);
    await Promise.all(endpoints.map(finalOutcome));
    expect(await s.store.listByUser(stuck)).toHaveLength(40);
  });
});
