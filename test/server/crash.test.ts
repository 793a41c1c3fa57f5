/**
 * The sender process stopped gently and killed outright, on SQLite and on
 * PostgreSQL: SIGTERM stops accepting and finishes the rings in flight; a
 * kill -9 in the middle of a fan-out loses no device and corrupts nothing;
 * two instances starting at once on a fresh database both come up.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrations } from '../../server/store/migrations';
import type { DeviceStore } from '../../server/store/types';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { startSenderProcess as startSender, type RunningSender } from '../support/sender-process';
import { cleanupStores, postgresFactory, sqliteFactory } from '../support/stores';

const secret = randomBytes(32).toString('base64url');
const apiKey = randomBytes(18).toString('base64url');
let push: PushService;
let baseEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  push = await startPushService();
  baseEnv = {
    RINGKIT_API_KEY: apiKey,
    RINGKIT_AUTH_SECRET: secret,
    RINGKIT_PUSH_HOSTS: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: push.certFile,
    VAPID_SUBJECT: 'mailto:ops@ringkit.example',
    LOG_LEVEL: 'warn',
    RINGKIT_DATA_DIR: await mkdtemp(join(tmpdir(), 'ringkit-crash-')),
  };
});
afterAll(async () => {
  push.setDefault(undefined);
  await push.close();
  await cleanupStores();
});

const userToken = (uid: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setExpirationTime('5m').sign(new TextEncoder().encode(secret));

async function ring(sender: RunningSender, uid: string, sessionId: string): Promise<Record<string, number>> {
  const res = await fetch(`${sender.url}/api/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ recipientUid: uid, sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'audio' }),
  });
  return (await res.json()) as Record<string, number>;
}

async function register(sender: RunningSender, uid: string, device: TestDevice): Promise<number> {
  const res = await fetch(`${sender.url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await userToken(uid)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subscription: device.subscription }),
  });
  return res.status;
}

/** A request on a new connection: rejects with the socket error when nothing listens any more. */
function freshHealthz(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** The sender's storage for one store kind: its environment, and a store of the test's own on it. */
async function storage(kind: 'sqlite' | 'postgres'): Promise<{ env: NodeJS.ProcessEnv; open(): Promise<DeviceStore>; check(): Promise<void> }> {
  if (kind === 'postgres') {
    const url = await postgresFactory.location();
    return { env: { DATABASE_URL: url }, open: () => postgresFactory.openAt(url), check: async () => {} };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-crash-'));
  const file = join(dataDir, 'ringkit.sqlite');
  return {
    env: { RINGKIT_DATA_DIR: dataDir },
    open: () => sqliteFactory.openAt(file),
    async check() {
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    },
  };
}

describe('the sender process', () => {
  it('on SIGTERM stops accepting, answers the ring in flight, records it, and exits 0', async () => {
    const store = await storage('sqlite');
    const sender = await startSender({ ...baseEnv, ...store.env }, undefined, true);
    const device = push.subscribe();
    expect(await register(sender, 'ada', device)).toBe(201);
    push.script(device.id, { delayMs: 1500, status: 201 });
    const order: string[] = [];
    const ringing = ring(sender, 'ada', 'v1.us.sigterm').then((counts) => {
      order.push('ring answered');
      return counts;
    });
    await push.waitForCount(device.id, 1);
    sender.child.kill('SIGTERM');
    await vi.waitFor(() => expect(freshHealthz(sender.url)).rejects.toThrow(/ECONNREFUSED/), { timeout: 1000, interval: 20 });
    order.push('new connections refused');
    expect(await ringing).toEqual({ devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 });
    expect(order).toEqual(['new connections refused', 'ring answered']);
    const code = await sender.exited;
    expect(code).toBe(0);
    const check = await store.open();
    expect((await check.findByEndpoint(device.endpoint))?.lastOutcome).toBe('delivered');
    await check.close();
  });

  it.each(['sqlite', 'postgres'] as const)('killed with SIGKILL mid-fan-out on %s: no device lost, nothing corrupt, rings after restart', async (kind) => {
    const store = await storage(kind);
    const env = { ...baseEnv, ...store.env };
    let sender = await startSender(env, undefined, true);
    // Many devices for one callee (written directly: the API limits writes per user).
    const seeded = await store.open();
    const devices = Array.from({ length: 60 }, () => push.subscribe());
    for (const d of devices) await seeded.upsert({ uid: 'many', endpoint: d.endpoint, p256dh: d.subscription.keys.p256dh, auth: d.subscription.keys.auth, userAgent: null });
    // A push service so slow that the fan-out is mid-way when the kill comes.
    push.setDefault({ delayMs: 5000, status: 201 });
    const inFlight = ring(sender, 'many', `v1.us.kill-${kind}`).catch(() => 'killed');
    // Registrations racing the kill: each one acknowledged must survive it.
    const late = Array.from({ length: 10 }, () => push.subscribe());
    const acknowledged: TestDevice[] = [];
    const registering = late.map((d, i) =>
      register(sender, `late-${i}`, d).then(
        (status) => void (status === 201 && acknowledged.push(d)),
        () => {},
      ),
    );
    await push.waitFor((r) => devices.some((d) => d.id === r.id));
    sender.child.kill('SIGKILL');
    await sender.exited;
    await Promise.all([inFlight, ...registering]);
    push.setDefault(undefined);

    await store.check();
    expect((await seeded.listByUser('many')).map((d) => d.endpoint).sort()).toEqual(devices.map((d) => d.endpoint).sort());
    for (const [i, d] of late.entries()) {
      const found = await seeded.findByEndpoint(d.endpoint);
      if (acknowledged.includes(d)) expect(found?.uid).toBe(`late-${i}`);
    }
    await seeded.close();

    sender = await startSender(env, undefined, true);
    try {
      expect(await ring(sender, 'many', `v1.us.after-kill-${kind}`)).toEqual({ devices: 60, delivered: 60, purged: 0, failed: 0, pending: 0 });
    } finally {
      expect(await sender.stop()).toBe(0);
    }
  });

  it('comes up twice at once on a fresh PostgreSQL database: one migrates, both serve the same devices', async () => {
    const url = await postgresFactory.location();
    const env = { ...baseEnv, DATABASE_URL: url };
    const [one, two] = await Promise.all([startSender(env, undefined, true), startSender(env, undefined, true)]);
    try {
      expect(await postgresFactory.appliedMigrations(url)).toEqual(migrations.map((m) => m.version));
      const device = push.subscribe();
      expect(await register(one, 'fay', device)).toBe(201);
      expect(await register(two, 'fay', device)).toBe(200);
      expect(await ring(two, 'fay', 'v1.us.two-processes')).toMatchObject({ devices: 1, delivered: 1 });
    } finally {
      expect(await Promise.all([one.stop(), two.stop()])).toEqual([0, 0]);
    }
  });
});
