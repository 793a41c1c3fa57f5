/**
 * npm run soak [-- --minutes 2 | --quick] [--rate 25 (operations/s)] [--instances 2] [--database-url postgres://…] [--users 100]
 *
 * A steady ring rate, with device registrations and removals mixed in,
 * against the real sender (listening on a loopback port; two instances on one
 * PostgreSQL with --instances 2) and a real loopback HTTPS push service that
 * verifies VAPID and decrypts every push. Reports throughput, latency and
 * memory over time, then checks that memory levels off and that no device
 * was lost. Loopback only; bounded in time. Exits 1 when a check fails.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { DeliveryCounts } from '../protocol/api';
import { buildApp, type App } from '../server/app';
import { loadConfig } from '../server/config';
import { createPushTransport } from '../server/push/transport';
import { loadSecrets } from '../server/secrets';
import { openStore } from '../server/store/open-store';
import type { DeviceStore } from '../server/store/types';
import { startThrowawayPostgres } from '../test/support/postgres-global-setup';
import { startPushService, type TestDevice } from '../test/support/push-service';
import { loopbackSenderEnv } from '../test/support/sender';
import { memoryVerdict, percentile } from './stats';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    rate: { type: 'string', default: '25' }, // operations per second
    instances: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
    users: { type: 'string', default: '100' },
  },
});
const durationMs = args.quick ? 20_000 : Number(args.minutes) * 60_000;
const sampleEveryMs = args.quick ? 2_000 : Math.max(5_000, durationMs / 24);
const ringsPerSecond = Number(args.rate);
const instanceCount = Number(args.instances);
const userCount = Number(args.users);
/** Rings waiting for an answer beyond this are not started (counted as shed), so a stall shows instead of piling up. */
const MAX_IN_FLIGHT = 500;

if (!(durationMs > 0 && ringsPerSecond > 0 && instanceCount >= 1 && userCount >= 1)) {
  process.stderr.write('usage: npm run soak -- [--minutes N | --quick] [--rate operations/s] [--instances N] [--database-url postgres://…] [--users N]\n');
  process.exit(2);
}

interface Sample {
  atS: number;
  rings: number;
  p50: number;
  p99: number;
  rssMb: number;
  heapMb: number;
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-soak-'));
  const cluster = instanceCount > 1 && !args['database-url'] ? await startThrowawayPostgres() : undefined;
  const databaseUrl = args['database-url'] ?? cluster?.databaseUrl;
  const push = await startPushService();
  const config = loadConfig({
    ...loopbackSenderEnv(dataDir),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    // The model below expects every registration kept: a long run grows past the default cap of 20 per user.
    RINGKIT_MAX_DEVICES_PER_USER: '1000',
  });
  const secrets = await loadSecrets(config);
  push.expectVapidKey(secrets.vapid.publicKey);
  const transport = createPushTransport({ ca: push.cert });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

  const instances: { app: App; store: DeviceStore; url: string }[] = [];
  for (let i = 0; i < instanceCount; i++) {
    const store = await openStore({ databaseUrl, dataDir, onError: (err) => logger.warn({ err }, 'database connection lost') });
    const app = await buildApp({ config, secrets, store, logger, transport });
    instances.push({ app, store, url: await app.http.listen({ port: 0, host: '127.0.0.1' }) });
  }
  const storeKind = instances[0]!.store.kind;
  process.stdout.write(
    `soak: ${instanceCount} instance(s) on ${storeKind}, ${ringsPerSecond} operations/s (of 20: 17 rings, 2 registrations, 1 removal), ${userCount} users, ${(durationMs / 1000).toFixed(0)} s` +
      `${gc ? '' : ' (run with node --expose-gc for heap-after-GC figures)'}\n`,
  );

  // The load's own model of what the store must hold: user → endpoints.
  const key = new TextEncoder().encode(secrets.authSecret);
  const tokens = new Map<string, string>();
  const model = new Map<string, Map<string, TestDevice>>();
  const counts = { registered: 0, removed: 0, rings: 0, ringErrors: 0, undelivered: 0, shed: 0, writeErrors: 0 };
  const uids = Array.from({ length: userCount }, (_, i) => `soak-user-${i}`);
  for (const uid of uids) {
    tokens.set(uid, await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setExpirationTime(Math.ceil((Date.now() + durationMs) / 1000) + 3600).sign(key));
    model.set(uid, new Map());
  }
  let next = 0;
  const instance = () => instances[next++ % instances.length]!;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

  async function register(uid: string): Promise<void> {
    const device = push.subscribe();
    const res = await fetch(`${instance().url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(uid)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: device.subscription }),
    });
    if (res.status === 201) {
      model.get(uid)!.set(device.endpoint, device);
      counts.registered++;
    } else {
      push.devices.delete(device.id);
      counts.writeErrors++;
    }
  }

  async function remove(uid: string): Promise<void> {
    const devices = model.get(uid)!;
    if (devices.size < 2) return register(uid);
    const [endpoint, device] = [...devices][0]!;
    devices.delete(endpoint); // out of the model first: a ring racing the removal must not count it
    const res = await fetch(`${instance().url}/api/push/subscriptions`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.get(uid)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint }),
    });
    if (res.status === 204) {
      counts.removed++;
      push.devices.delete(device.id);
    } else {
      devices.set(endpoint, device);
      counts.writeErrors++;
    }
  }

  let latencies: number[] = [];
  const allLatencies: number[] = [];
  async function ring(uid: string): Promise<void> {
    const started = performance.now();
    const res = await fetch(`${instance().url}/api/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipientUid: uid, sessionId: `v1.soak.${randomUUID()}`, callerName: 'Soak', callerUid: 'soak', callType: 'audio' }),
    });
    const answer = (await res.json()) as DeliveryCounts;
    const ms = performance.now() - started;
    latencies.push(ms);
    allLatencies.push(ms);
    counts.rings++;
    if (res.status !== 200) counts.ringErrors++;
    else if (answer.delivered !== answer.devices) counts.undelivered++;
  }

  // Every user starts with two devices.
  for (const uid of uids) await Promise.all([register(uid), register(uid)]);

  const inFlight = new Set<Promise<void>>();
  const samples: Sample[] = [];
  const startedAt = Date.now();
  let op = 0;
  const tick = setInterval(() => {
    if (inFlight.size >= MAX_IN_FLIGHT) {
      counts.shed++;
      return;
    }
    op++;
    const uid = pick(uids);
    // 1 in 10 operations registers a device, 1 in 20 removes one; the rest ring.
    const work = op % 10 === 5 ? register(uid) : op % 20 === 0 ? remove(uid) : ring(uid);
    const tracked = work.catch(() => void counts.ringErrors++).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }, 1000 / ringsPerSecond);

  const sampler = setInterval(() => {
    // The push service keeps what it received for tests; the soak only needs counts.
    push.received.length = 0;
    for (const device of push.devices.values()) device.received.length = 0;
    gc?.();
    const memory = process.memoryUsage();
    const sample: Sample = {
      atS: Math.round((Date.now() - startedAt) / 1000),
      rings: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rssMb: mb(memory.rss),
      heapMb: mb(memory.heapUsed),
    };
    latencies = [];
    samples.push(sample);
    process.stdout.write(
      `${String(sample.atS).padStart(5)} s  ${(sample.rings / (sampleEveryMs / 1000)).toFixed(1).padStart(6)} rings/s  p50 ${sample.p50.toFixed(1).padStart(6)} ms  p99 ${sample.p99.toFixed(1).padStart(6)} ms  rss ${sample.rssMb.toFixed(1).padStart(6)} MB  heap ${sample.heapMb.toFixed(1).padStart(6)} MB\n`,
    );
  }, sampleEveryMs);

  await new Promise((r) => setTimeout(r, durationMs));
  clearInterval(tick);
  clearInterval(sampler);
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  for (const i of instances) await i.app.drain();

  // No device lost: the store holds exactly what was registered and not removed.
  const store = instances[0]!.store;
  let stored = 0;
  let lost = 0;
  let unexpected = 0;
  for (const uid of uids) {
    const endpoints = new Set((await store.listByUser(uid)).map((d) => d.endpoint));
    const expected = model.get(uid)!;
    stored += endpoints.size;
    for (const endpoint of expected.keys()) if (!endpoints.has(endpoint)) lost++;
    for (const endpoint of endpoints) if (!expected.has(endpoint)) unexpected++;
  }
  const expectedDevices = counts.registered - counts.removed;
  const verdict = memoryVerdict(samples.map((s) => s.heapMb));
  const seconds = (Date.now() - startedAt) / 1000;
  const devicesOk = lost === 0 && unexpected === 0 && stored === expectedDevices;
  const ringsOk = counts.ringErrors === 0 && counts.undelivered === 0 && counts.shed === 0;

  const lines = [
    '',
    `rings: ${counts.rings} in ${seconds.toFixed(0)} s (${(counts.rings / seconds).toFixed(1)}/s), errors ${counts.ringErrors}, not all delivered ${counts.undelivered}, shed ${counts.shed}`,
    `ring latency: p50 ${percentile(allLatencies, 50).toFixed(1)} ms, p99 ${percentile(allLatencies, 99).toFixed(1)} ms, max ${Math.max(0, ...allLatencies).toFixed(1)} ms`,
    `memory: rss ${samples.at(-1)?.rssMb.toFixed(1)} MB at the end; ${verdict.text}${gc ? '' : ' (without --expose-gc: heap not collected before sampling)'}`,
    `devices: registered ${counts.registered}, removed ${counts.removed}, expected ${expectedDevices}, in the store ${stored}, lost ${lost}, unexpected ${unexpected}, write errors ${counts.writeErrors}: ${devicesOk ? 'none lost' : 'MISMATCH'}`,
    `verdict: ${verdict.flat && devicesOk && ringsOk ? 'PASS' : 'FAIL'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  for (const i of instances) {
    await i.app.close();
    await i.store.close();
  }
  transport.close();
  await push.close();
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(verdict.flat && devicesOk && ringsOk ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
