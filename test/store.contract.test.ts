import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { migrations } from '../server/store/migrations';
import { openStore } from '../server/store/open-store';
import { openPostgresStore } from '../server/store/postgres';
import { EndpointTakenError, type DeviceStore, type NewDevice, type NewPushTrace } from '../server/store/types';
import { cleanupStores, closeStores, postgresFactory, storeFactories } from './support/stores';

afterEach(closeStores);
afterAll(cleanupStores);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newTrace(overrides: Partial<NewPushTrace> = {}): NewPushTrace {
  const sentAt = new Date(Date.now() - 1000);
  return {
    sessionId: 'v1.us.trace', deviceId: 'device-1', uid: 'alice', type: 'ring', pushService: 'fcm',
    sentAt, answer: '201', retries: 0, outcome: 'delivered', finishedAt: new Date(sentAt.getTime() + 40),
    ...overrides,
  };
}
const allVersions = migrations.map((m) => m.version).sort((a, b) => a - b);

let seq = 0;
function newDevice(overrides: Partial<NewDevice> = {}): NewDevice {
  seq++;
  return {
    uid: 'alice',
    endpoint: `https://push.example.net/send/${seq}-${Math.random().toString(36).slice(2)}`,
    p256dh: `p256dh-${seq}`,
    auth: `auth-${seq}`,
    userAgent: 'Mozilla/5.0 (test)',
    ...overrides,
  };
}

describe.each(storeFactories)('DeviceStore contract: $name', (factory) => {
  it('reports its kind', async () => {
    const store = await factory.open();
    expect(store.kind).toBe(factory.name);
  });

  it('inserts a new endpoint', async () => {
    const store = await factory.open();
    const input = newDevice({ userAgent: null });
    const before = Date.now();
    const { device, created } = await store.upsert(input);
    const after = Date.now();

    expect(created).toBe(true);
    expect(device).toMatchObject({ ...input, lastOutcome: null, lastOutcomeAt: null });
    expect(device.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(device.createdAt).toBeInstanceOf(Date);
    expect(device.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(device.createdAt.getTime()).toBeLessThanOrEqual(after);
    expect(device.updatedAt.getTime()).toBe(device.createdAt.getTime());
    expect(await store.findByEndpoint(input.endpoint)).toEqual(device);
    expect(await store.findByEndpoint('https://push.example.net/unknown')).toBeUndefined();
  });

  it("updates a known endpoint for its owner: keys and user agent replaced, createdAt kept", async () => {
    const store = await factory.open();
    const first = await store.upsert(newDevice({ uid: 'alice' }));
    await sleep(5);
    const again = {
      uid: 'alice',
      endpoint: first.device.endpoint,
      p256dh: 'new-p256dh',
      auth: 'new-auth',
      userAgent: 'Other/2.0',
    };
    const second = await store.upsert(again);

    expect(second.created).toBe(false);
    expect(second.device).toMatchObject(again);
    expect(second.device.id).toBe(first.device.id);
    expect(second.device.createdAt).toEqual(first.device.createdAt);
    expect(second.device.updatedAt.getTime()).toBeGreaterThan(first.device.updatedAt.getTime());
    expect(await store.findByEndpoint(again.endpoint)).toEqual(second.device);
  });

  it('moves a device to the user who registered it last with its keys (the same browser)', async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice({ uid: 'alice' }));
    await store.upsert(newDevice({ uid: 'alice' }));
    await store.upsert({ ...newDevice({ uid: 'bob' }), endpoint: device.endpoint, p256dh: device.p256dh, auth: device.auth });

    const alice = await store.listByUser('alice');
    const bob = await store.listByUser('bob');
    expect(alice.map((d) => d.endpoint)).not.toContain(device.endpoint);
    expect(alice).toHaveLength(1);
    expect(bob.map((d) => d.endpoint)).toEqual([device.endpoint]);
    expect(bob[0]?.id).toBe(device.id);
  });

  it("refuses another user with other keys (knowing an endpoint is no proof), changing nothing, atomically", async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice({ uid: 'alice' }));
    await expect(store.upsert({ ...newDevice({ uid: 'mallory' }), endpoint: device.endpoint })).rejects.toBeInstanceOf(EndpointTakenError);
    await expect(store.upsert({ ...newDevice({ uid: 'mallory' }), endpoint: device.endpoint, p256dh: device.p256dh })).rejects.toBeInstanceOf(EndpointTakenError);
    expect(await store.findByEndpoint(device.endpoint)).toEqual(device);
    expect(await store.listByUser('mallory')).toEqual([]);
  });

  it("trims a user's devices to a number, keeping the given one and those delivered to most recently", async () => {
    const store = await factory.open();
    const a = (await store.upsert(newDevice({ uid: 'trim' }))).device;
    const b = (await store.upsert(newDevice({ uid: 'trim' }))).device;
    const c = (await store.upsert(newDevice({ uid: 'trim' }))).device;
    const other = (await store.upsert(newDevice({ uid: 'not-trimmed' }))).device;
    const later = Date.now() + 60_000;
    await store.recordOutcomes([
      { endpoint: a.endpoint, outcome: 'delivered', at: new Date(later) },
      { endpoint: b.endpoint, outcome: 'delivered', at: new Date(later + 1) },
    ]);
    await store.recordOutcome(b.endpoint, 'failed:503', new Date(later + 2)); // the last delivery still counts
    expect(await store.trimDevices('trim', 2, c.endpoint)).toBe(1);
    expect((await store.listByUser('trim')).map((d) => d.endpoint).sort()).toEqual([b.endpoint, c.endpoint].sort());
    expect(await store.trimDevices('trim', 2, c.endpoint)).toBe(0);
    expect(await store.findByEndpoint(other.endpoint)).toBeDefined();
  });

  it('lists the devices of one user only', async () => {
    const store = await factory.open();
    const a1 = (await store.upsert(newDevice({ uid: 'alice' }))).device;
    await sleep(2);
    const a2 = (await store.upsert(newDevice({ uid: 'alice' }))).device;
    const b1 = (await store.upsert(newDevice({ uid: 'bob' }))).device;

    const alice = await store.listByUser('alice');
    expect(alice).toHaveLength(2);
    expect(alice).toEqual(expect.arrayContaining([a1, a2]));
    expect(await store.listByUser('bob')).toEqual([b1]);
    expect(await store.listByUser('carol')).toEqual([]);
  });

  it("removes only the user's own device", async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice({ uid: 'alice' }));

    expect(await store.remove('mallory', device.endpoint)).toBe(false);
    expect(await store.findByEndpoint(device.endpoint)).toEqual(device);

    expect(await store.remove('alice', device.endpoint)).toBe(true);
    expect(await store.findByEndpoint(device.endpoint)).toBeUndefined();
    expect(await store.listByUser('alice')).toEqual([]);
    expect(await store.remove('alice', device.endpoint)).toBe(false);
  });

  it('purges a device not updated since the given time', async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice());
    const other = (await store.upsert(newDevice())).device;

    expect(await store.purge('https://push.example.net/unknown', new Date())).toBe(false);
    // "Not updated since" includes the instant of the last update itself.
    expect(await store.purge(device.endpoint, device.updatedAt)).toBe(true);
    expect(await store.findByEndpoint(device.endpoint)).toBeUndefined();
    expect(await store.purge(device.endpoint, new Date())).toBe(false);
    expect(await store.findByEndpoint(other.endpoint)).toEqual(other);
  });

  it('does not purge a device registered again after notUpdatedSince', async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice());
    await sleep(5);
    const sentAt = new Date();
    await sleep(5);
    const again = await store.upsert({ ...newDevice(), endpoint: device.endpoint });

    expect(await store.purge(device.endpoint, sentAt)).toBe(false);
    expect(await store.findByEndpoint(device.endpoint)).toEqual(again.device);
    // One millisecond before the re-registration is still before it.
    expect(await store.purge(device.endpoint, new Date(again.device.updatedAt.getTime() - 1))).toBe(false);
    expect(await store.findByEndpoint(device.endpoint)).toBeDefined();
  });

  it('records the outcome of the last push', async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice());
    const other = (await store.upsert(newDevice())).device;

    const at = new Date(Date.now() + 1234);
    await store.recordOutcome(device.endpoint, 'failed:429', at);
    let found = await store.findByEndpoint(device.endpoint);
    expect(found?.lastOutcome).toBe('failed:429');
    expect(found?.lastOutcomeAt).toBeInstanceOf(Date);
    expect(found?.lastOutcomeAt?.getTime()).toBe(at.getTime());
    // An outcome is not a re-registration: purge must still see the old updatedAt.
    expect(found?.updatedAt).toEqual(device.updatedAt);

    const later = new Date(at.getTime() + 60_000);
    await store.recordOutcome(device.endpoint, 'delivered', later);
    found = await store.findByEndpoint(device.endpoint);
    expect(found).toMatchObject({ lastOutcome: 'delivered', lastOutcomeAt: later });

    expect(await store.findByEndpoint(other.endpoint)).toEqual(other);
    await expect(store.recordOutcome('https://push.example.net/unknown', 'delivered', later)).resolves.toBeUndefined();
  });

  it('records many outcomes in one call, the later of two for one endpoint winning', async () => {
    const store = await factory.open();
    const { device: a } = await store.upsert(newDevice({ uid: 'batch' }));
    const { device: b } = await store.upsert(newDevice({ uid: 'batch' }));
    const at = new Date(Date.now() + 5000);
    const later = new Date(at.getTime() + 1000);
    await store.recordOutcomes([
      { endpoint: a.endpoint, outcome: 'failed:503', at },
      { endpoint: b.endpoint, outcome: 'delivered', at },
      { endpoint: 'https://push.example.net/unknown', outcome: 'delivered', at },
      { endpoint: a.endpoint, outcome: 'delivered', at: later },
    ]);
    expect(await store.findByEndpoint(a.endpoint)).toMatchObject({ lastOutcome: 'delivered', lastOutcomeAt: later, updatedAt: a.updatedAt });
    expect(await store.findByEndpoint(b.endpoint)).toMatchObject({ lastOutcome: 'delivered', lastOutcomeAt: at });
    await expect(store.recordOutcomes([])).resolves.toBeUndefined();
  });

  it('keeps push traces in the outcomes\' write: one per session, device and push type, the later replacing the earlier', async () => {
    const store = await factory.open();
    const { device } = await store.upsert(newDevice({ uid: 'alice' }));
    const at = new Date();
    const first = newTrace({ deviceId: device.id, answer: '503', retries: 0, outcome: 'failed' });
    const purged = newTrace({ deviceId: 'device-2', sentAt: new Date(first.sentAt!.getTime() + 5), answer: '410', outcome: 'purged' });
    const expired = newTrace({ deviceId: 'device-3', sentAt: null, answer: null, outcome: 'expired' });
    await store.recordOutcomes([{ endpoint: device.endpoint, outcome: 'failed:503', at }], [first, purged, expired, newTrace({ sessionId: 'other' })]);
    expect(await store.findByEndpoint(device.endpoint)).toMatchObject({ lastOutcome: 'failed:503' });

    const retried = { ...first, answer: '201', retries: 2, outcome: 'delivered' as const, finishedAt: new Date() };
    const ended = newTrace({ deviceId: device.id, type: 'call_ended', sentAt: new Date(), answer: '201' });
    await store.recordOutcomes([], [retried, ended]);
    const traces = await store.listPushTraces('v1.us.trace');
    // Oldest first by when sent; the push never sent by when it ended.
    expect(traces).toEqual([
      { ...retried, shownAt: null },
      { ...purged, shownAt: null },
      { ...expired, shownAt: null },
      { ...ended, shownAt: null },
    ]);
    expect(await store.listPushTraces('unknown')).toEqual([]);
  });

  it("records a device showing a ring, before or after the ring's outcome is written, and keeps it", async () => {
    const store = await factory.open();
    const shownAt = new Date();
    // The worker can be faster than the sender's batched write.
    await store.recordShown({ sessionId: 's-shown', deviceId: 'early', uid: 'alice', pushService: 'mozilla', at: shownAt });
    const early = newTrace({ sessionId: 's-shown', deviceId: 'early', pushService: 'mozilla' });
    const late = newTrace({ sessionId: 's-shown', deviceId: 'late', sentAt: new Date(early.sentAt!.getTime() + 1) });
    await store.recordOutcomes([], [early, late]);
    await store.recordShown({ sessionId: 's-shown', deviceId: 'late', uid: 'alice', pushService: 'fcm', at: shownAt });
    // A repeated outcome write (a second ring of the call) keeps what the worker said.
    await store.recordOutcomes([], [late]);
    expect(await store.listPushTraces('s-shown')).toEqual([
      { ...early, shownAt },
      { ...late, shownAt },
    ]);
  });

  it('prunes push traces recorded before the given time, and reports its schema version', async () => {
    const store = await factory.open();
    const old = new Date(Date.now() - 2 * 86_400_000);
    await store.recordOutcomes([], [newTrace({ sessionId: 'old', sentAt: old, finishedAt: old }), newTrace({ sessionId: 'new' })]);
    await store.pruneCallRecords(new Date(Date.now() - 86_400_000));
    expect(await store.listPushTraces('old')).toEqual([]);
    expect(await store.listPushTraces('new')).toHaveLength(1);
    expect(await store.schemaVersion()).toBe(allVersions.at(-1));
  });

  it('keeps its data across close and reopen', async () => {
    const location = await factory.location();
    const store = await factory.openAt(location);
    const { device } = await store.upsert(newDevice({ uid: 'alice' }));
    const at = new Date();
    await store.recordOutcome(device.endpoint, 'delivered', at);
    await store.close();

    const reopened = await factory.openAt(location);
    expect(await reopened.findByEndpoint(device.endpoint)).toEqual({
      ...device,
      lastOutcome: 'delivered',
      lastOutcomeAt: at,
    });
    expect(await reopened.listByUser('alice')).toHaveLength(1);
    expect(await factory.appliedMigrations(location)).toEqual(allVersions);
  });

  it('never duplicates an endpoint under concurrent upserts', async () => {
    const store = await factory.open();
    const endpoint = newDevice().endpoint;
    // The same browser signing in as twenty users at once: same keys.
    const keys = { p256dh: 'same-p256dh', auth: 'same-auth' };
    const inputs = Array.from({ length: 20 }, (_, i) => newDevice({ uid: `user${i}`, endpoint, ...keys }));
    const results = await Promise.all(inputs.map((d) => store.upsert(d)));

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.device.id)).size).toBe(1);
    const lists = await Promise.all(inputs.map((d) => store.listByUser(d.uid)));
    expect(lists.flat()).toHaveLength(1);
    const stored = await store.findByEndpoint(endpoint);
    // Whichever write came last wins, whole: owner and keys from the same registration.
    expect(inputs).toContainEqual({
      uid: stored?.uid,
      endpoint,
      p256dh: stored?.p256dh,
      auth: stored?.auth,
      userAgent: stored?.userAgent,
    });
  });

  it('never duplicates an endpoint upserted through two stores on the same storage', async () => {
    const location = await factory.location();
    const [one, two] = await Promise.all([factory.openAt(location), factory.openAt(location)]);
    const endpoint = newDevice().endpoint;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).upsert(newDevice({ uid: `user${i % 3}`, endpoint, p256dh: 'same-p256dh', auth: 'same-auth' }))),
    );

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.device.id)).size).toBe(1);
    const all = (await Promise.all(['user0', 'user1', 'user2'].map((u) => one.listByUser(u)))).flat();
    expect(all).toHaveLength(1);
    expect(await two.findByEndpoint(endpoint)).toEqual(await one.findByEndpoint(endpoint));
  });

  it('lets several stores migrate the same fresh storage at once', async () => {
    const location = await factory.location();
    const stores = await Promise.all(Array.from({ length: 4 }, () => factory.openAt(location)));

    expect(await factory.appliedMigrations(location)).toEqual(allVersions);
    const { device } = await stores[0]!.upsert(newDevice());
    for (const store of stores) expect(await store.findByEndpoint(device.endpoint)).toEqual(device);
  });

  it('claims a webhook event id once, also through two stores on the same storage', async () => {
    const location = await factory.location();
    const [one, two] = await Promise.all([factory.openAt(location), factory.openAt(location)]);
    const at = new Date();
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).claimEvent('event-a', at)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await one.claimEvent('event-b', at)).toBe(true);
    expect(await two.claimEvent('event-b', at)).toBe(false);
    // released after a failure: the retry is claimed and acted on
    await two.releaseEvent('event-b');
    expect(await one.claimEvent('event-b', at)).toBe(true);
  });

  it('records a ring once per session and callee', async () => {
    const store = await factory.open();
    const ring = { sessionId: 's1', uid: 'alice', group: false, source: 'api' as const, ringUntil: new Date(Date.now() + 30_000) };
    expect(await store.recordRing(ring)).toBe(true);
    expect(await store.recordRing(ring)).toBe(false);
    expect(await store.recordRing({ ...ring, uid: 'bob' })).toBe(true);
    expect(await store.recordRing({ ...ring, sessionId: 's2' })).toBe(true);
  });

  it('ends the selected rings of a session once: everyone, one-to-one rings, or one callee', async () => {
    const store = await factory.open();
    const ringUntil = new Date(Date.now() + 30_000);
    const at = new Date();
    await store.recordRing({ sessionId: 'one', uid: 'alice', group: false, source: 'api' as const, ringUntil });
    await store.recordRing({ sessionId: 'other', uid: 'alice', group: false, source: 'api' as const, ringUntil });
    for (const uid of ['m1', 'm2', 'm3']) await store.recordRing({ sessionId: 'group', uid, group: true, source: 'webhook' as const, ringUntil });

    // a one-to-one call's ring stops whoever the event names (the caller, for a rejection)
    expect(uids(await store.endRings('one', { oneToOne: true, uid: 'the-caller' }, 'declined', at))).toEqual(['alice']);
    expect(uids(await store.endRings('one', { everyone: true }, 'cancelled', at))).toEqual([]);
    // group members stop ringing only by their own events, or when the call ends for everyone
    expect(uids(await store.endRings('group', { oneToOne: true }, 'answered', at))).toEqual([]);
    expect(uids(await store.endRings('group', { oneToOne: true, uid: 'm2' }, 'declined', at))).toEqual(['m2']);
    expect(uids(await store.endRings('group', { uid: 'm2' }, 'unanswered', at))).toEqual([]);
    expect(uids(await store.endRings('group', { everyone: true }, 'cancelled', at)).sort()).toEqual(['m1', 'm3']);
    expect(uids(await store.endRings('missing', { everyone: true }, 'cancelled', at))).toEqual([]);
    expect(uids(await store.endRings('other', { uid: 'alice' }, 'unanswered', at))).toEqual(['alice']);
  });

  it('ends a ring for one caller only when two stores on the same storage race', async () => {
    const location = await factory.location();
    const [one, two] = await Promise.all([factory.openAt(location), factory.openAt(location)]);
    await one.recordRing({ sessionId: 'race', uid: 'alice', group: false, source: 'api' as const, ringUntil: new Date(Date.now() + 30_000) });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).endRings('race', i % 3 ? { everyone: true } : { uid: 'alice' }, 'cancelled', new Date())),
    );
    expect(uids(results.flat())).toEqual(['alice']);
  });

  it('prunes event ids received, and rings due, before the given time', async () => {
    const store = await factory.open();
    const old = new Date(Date.now() - 2 * 86_400_000);
    const now = new Date();
    await store.claimEvent('old', old);
    await store.claimEvent('new', now);
    await store.recordRing({ sessionId: 'old', uid: 'alice', group: false, source: 'api' as const, ringUntil: old });
    await store.recordRing({ sessionId: 'new', uid: 'alice', group: false, source: 'api' as const, ringUntil: now });
    await store.pruneCallRecords(new Date(Date.now() - 86_400_000));
    // pruned records can be made again; kept ones cannot
    expect(await store.claimEvent('old', now)).toBe(true);
    expect(await store.claimEvent('new', now)).toBe(false);
    expect(await store.recordRing({ sessionId: 'old', uid: 'alice', group: false, source: 'api' as const, ringUntil: now })).toBe(true);
    expect(await store.recordRing({ sessionId: 'new', uid: 'alice', group: false, source: 'api' as const, ringUntil: now })).toBe(false);
  });

  it('reopens a known ring when asked (a backend rings the same call again)', async () => {
    const store = await factory.open();
    const ring = { sessionId: 'again', uid: 'alice', group: false, source: 'api' as const, ringUntil: new Date(Date.now() + 30_000) };
    expect(await store.recordRing(ring)).toBe(true);
    expect(uids(await store.endRings('again', { uid: 'alice' }, 'declined', new Date()))).toEqual(['alice']);
    expect(await store.recordRing(ring, { reopen: true })).toBe(true);
    expect(uids(await store.endRings('again', { uid: 'alice' }, 'declined', new Date()))).toEqual(['alice']);
  });

  it('ends rings by their parties when the end event names no session: one callee, or a group', async () => {
    const store = await factory.open();
    const ringUntil = new Date(Date.now() + 30_000);
    const at = new Date();
    await store.recordRing({ sessionId: 'a', uid: 'susan', callerUid: 'andrew', group: false, ringUntil, source: 'webhook' });
    await store.recordRing({ sessionId: 'b', uid: 'susan', callerUid: 'george', group: false, ringUntil, source: 'webhook' });
    for (const uid of ['m1', 'm2']) await store.recordRing({ sessionId: 'g', uid, callerUid: 'andrew', groupId: 'team', group: true, ringUntil, source: 'webhook' });

    const ended = await store.endRingsBetween({ callerUid: 'andrew', uid: 'susan' }, 'cancelled', at);
    expect(ended).toEqual([{ sessionId: 'a', uid: 'susan', callerUid: 'andrew', source: 'webhook', callerName: null, callType: null }]);
    expect(await store.endRingsBetween({ callerUid: 'andrew', uid: 'susan' }, 'cancelled', at)).toEqual([]);
    // a member's uid alone is not a one-to-one call
    expect(await store.endRingsBetween({ callerUid: 'andrew', uid: 'm1' }, 'cancelled', at)).toEqual([]);
    expect(uids(await store.endRingsBetween({ callerUid: 'andrew', groupId: 'team' }, 'cancelled', at)).sort()).toEqual(['m1', 'm2']);
    expect(uids(await store.endRingsBetween({ callerUid: 'george', uid: 'susan' }, 'declined', at))).toEqual(['susan']);
  });

  it('expires the rings whose time is up, once, as unanswered', async () => {
    const store = await factory.open();
    const now = Date.now();
    await store.recordRing({ sessionId: 'due', uid: 'alice', callerUid: 'bob', group: false, ringUntil: new Date(now - 1), source: 'api', callerName: 'Bob Stone', callType: 'audio' });
    await store.recordRing({ sessionId: 'later', uid: 'alice', group: false, ringUntil: new Date(now + 60_000), source: 'api' });
    await store.recordRing({ sessionId: 'answered', uid: 'alice', group: false, ringUntil: new Date(now - 1), source: 'api' });
    await store.endRings('answered', { uid: 'alice' }, 'answered', new Date(now - 5));
    expect(await store.expireRings(new Date(now))).toEqual([{ sessionId: 'due', uid: 'alice', callerUid: 'bob', source: 'api', callerName: 'Bob Stone', callType: 'audio' }]);
    expect(await store.expireRings(new Date(now))).toEqual([]);
  });

  it('hands each due call event to one taker at a time, and again after a failed attempt or a lapsed lease', async () => {
    const location = await factory.location();
    const [one, two] = await Promise.all([factory.openAt(location), factory.openAt(location)]);
    const t0 = Date.now();
    for (const id of ['e1', 'e2', 'e3']) await one.enqueueEvent({ id, type: 'call.missed', body: `{"id":"${id}"}`, at: new Date(t0) });
    expect(await one.outboxStats()).toEqual({ pending: 3, oldestCreatedAt: new Date(t0) });

    const [a, b] = await Promise.all([one.claimDueEvents(new Date(t0), new Date(t0 + 30_000), 2), two.claimDueEvents(new Date(t0), new Date(t0 + 30_000), 2)]);
    expect([...a, ...b].map((e) => e.id).sort()).toEqual(['e1', 'e2', 'e3']);
    expect([...a, ...b].every((e) => e.attempts === 1)).toBe(true);
    expect(await one.claimDueEvents(new Date(t0 + 1000), new Date(t0 + 31_000), 10)).toEqual([]);

    await one.settleEvent('e1', { kind: 'delivered', at: new Date(t0 + 10) });
    await one.settleEvent('e2', { kind: 'retry', at: new Date(t0 + 5_000), error: 'HTTP 503' });
    expect(await two.claimDueEvents(new Date(t0 + 4_000), new Date(t0 + 34_000), 10)).toEqual([]);
    const retried = await two.claimDueEvents(new Date(t0 + 5_000), new Date(t0 + 35_000), 10);
    expect(retried.map((e) => [e.id, e.attempts, e.body])).toEqual([['e2', 2, '{"id":"e2"}']]);
    // e3's taker died: its lease lapses and another instance takes it
    const lapsed = await one.claimDueEvents(new Date(t0 + 30_000), new Date(t0 + 60_000), 10);
    expect(lapsed.map((e) => e.id)).toEqual(['e3']);
    await one.settleEvent('e3', { kind: 'gave-up', at: new Date(t0 + 30_001), error: 'HTTP 400' });
    await one.settleEvent('e2', { kind: 'delivered', at: new Date(t0 + 30_002) });
    expect(await two.outboxStats()).toEqual({ pending: 0, oldestCreatedAt: null });
    // settled events are pruned like the other call records
    await one.pruneCallRecords(new Date(t0 + 1));
    await one.enqueueEvent({ id: 'e1', type: 'call.missed', body: '{}', at: new Date(t0 + 2) });
  });

  it('pings while open, fails after close, and closes twice without error', async () => {
    const store = await factory.open();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
    await expect(store.upsert(newDevice())).rejects.toThrow();
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('PostgreSQL store resilience', () => {
  it('fails fast when nothing listens on the port', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const started = Date.now();
    await expect(openPostgresStore(`postgres://nobody@127.0.0.1:${port}/nothing`)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails fast when the server accepts connections but never answers', async () => {
    // Like a host behind a dead firewall or a hung server: TCP up, no protocol.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 1;
    try {
      const started = Date.now();
      await expect(openPostgresStore(`postgres://nobody@127.0.0.1:${port}/nothing`)).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(4500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('survives the server dropping its idle connections', async () => {
    const url = await postgresFactory.location();
    const errors: Error[] = [];
    const store = await postgresFactory.openAt(url, { onError: (err) => errors.push(err) });
    await Promise.all([store.ping(), store.ping(), store.ping()]); // several idle clients in the pool

    let terminated = 0;
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [new URL(url).pathname.slice(1)],
      );
      expect(rows.length).toBeGreaterThan(0);
      terminated = rows.length;
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [rows.map((r) => r.pid)]);
    } finally {
      await admin.end();
    }

    // Each idle client reports its loss through onError; unhandled, the
    // 'error' event would have crashed the worker instead.
    await vi.waitFor(() => expect(errors).toHaveLength(terminated));
    await expect(store.ping()).resolves.toBeUndefined();
    const { device } = await store.upsert(newDevice());
    expect(await store.findByEndpoint(device.endpoint)).toEqual(device);
  });
});

describe('openStore', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ringkit-open-'));
    dirs.push(dir);
    return join(dir, 'data');
  };

  async function check(store: DeviceStore, kind: DeviceStore['kind']) {
    try {
      expect(store.kind).toBe(kind);
      await store.ping();
    } finally {
      await store.close();
    }
  }

  it('opens SQLite in the data directory without a database URL', async () => {
    const dir = await dataDir();
    await check(await openStore({ dataDir: dir }), 'sqlite');
    expect(existsSync(join(dir, 'ringkit.sqlite'))).toBe(true);
    await check(await openStore({ dataDir: dir, databaseUrl: '' }), 'sqlite');
  });

  it('opens PostgreSQL for a postgres:// or postgresql:// URL', async () => {
    const dir = await dataDir();
    const url = await postgresFactory.location();
    await check(await openStore({ dataDir: dir, databaseUrl: url }), 'postgres');
    await check(await openStore({ dataDir: dir, databaseUrl: url.replace(/^postgres:/, 'postgresql:') }), 'postgres');
    expect(existsSync(join(dir, 'ringkit.sqlite'))).toBe(false);
  });

  it('rejects a database URL of another kind', async () => {
    await expect(openStore({ dataDir: await dataDir(), databaseUrl: 'mysql://localhost/db' })).rejects.toThrow(
      /postgres:\/\//,
    );
  });
});

function uids(rings: readonly { uid: string }[]): string[] {
  return rings.map((r) => r.uid);
}
