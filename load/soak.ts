/**
 * npm run soak [-- --minutes 2 | --quick] [--rate 25 (operations/s)] [--instances 2] [--database-url postgres://…] [--users 100] [--rings-only]
 *
 * A steady ring rate, with device registrations and removals mixed in,
 * against the real sender (each instance its own process listening on a
 * loopback port, soak-sender.ts; two instances on one PostgreSQL with
 * --instances 2) and a real loopback HTTPS push service, in this process,
 * that verifies VAPID and decrypts every push. Reports throughput, latency
 * and the sender's memory over time, then checks that memory levels off and
 * that no device was lost. Loopback only; bounded in time. Exits 1 when a
 * check fails.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import type { DeliveryCounts } from '../protocol/api';
import { loadConfig } from '../server/config';
import { loadSecrets } from '../server/secrets';
import { startThrowawayPostgres } from '../test/support/postgres-global-setup';
import { startPushService, type TestDevice } from '../test/support/push-service';
import { loopbackSenderEnv } from '../test/support/sender';
import { ask, startChild } from '../bench/children';
import type { SoakSenderReply, SoakSenderRequest } from './soak-sender';
import { memoryVerdict, percentile } from './stats';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    rate: { type: 'string', default: '25' }, // operations per second
    instances: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
    users: { type: 'string', default: '100' },
    /** rings never end unanswered (no call_ended 30 s later): the workload whose capacity `npm run bench:calls` measures */
    'rings-only': { type: 'boolean', default: false },
  },
});
const durationMs = args.quick ? 20_000 : Number(args.minutes) * 60_000;
const sampleEveryMs = args.quick ? 2_000 : Math.max(5_000, durationMs / 24);
const ringsPerSecond = Number(args.rate);
const instanceCount = Number(args.instances);
const userCount = Number(args.users);
/** Each user's devices, as in the concurrent-calls bench; a change removes one from a user at this many. */
const DEVICES_PER_USER = 3;
/** Rings waiting for an answer beyond this are not started (counted as shed), so a stall shows instead of piling up. */
const MAX_IN_FLIGHT = 500;

if (!(durationMs > 0 && ringsPerSecond > 0 && instanceCount >= 1 && userCount >= 1)) {
  process.stderr.write('usage: npm run soak -- [--minutes N | --quick] [--rate operations/s] [--instances N] [--database-url postgres://…] [--users N] [--rings-only]\n');
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

/** A sender instance in its own process (tsx's loader and --expose-gc, as `npm run soak` gives this one, pass on). */
function senderProcess(): { child: ChildProcess; ask: <K extends SoakSenderReply['kind']>(request: SoakSenderRequest) => Promise<Extract<SoakSenderReply, { kind: K }>> } {
  const child = startChild('../load/soak-sender.ts', {});
  return { child, ask: (request) => ask(child, request) };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-soak-'));
  const cluster = instanceCount > 1 && !args['database-url'] ? await startThrowawayPostgres() : undefined;
  const databaseUrl = args['database-url'] ?? cluster?.databaseUrl;
  const push = await startPushService();
  const env = {
    ...loopbackSenderEnv(dataDir),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  // The instances read the same keys from the same variables.
  const secrets = await loadSecrets(loadConfig(env));
  push.expectVapidKey(secrets.vapid.publicKey);

  const instances: Array<ReturnType<typeof senderProcess> & { url: string }> = [];
  for (let i = 0; i < instanceCount; i++) {
    const sender = senderProcess();
    const { url } = await sender.ask<'listening'>({ kind: 'start', env, pushCert: push.cert, ringsOnly: args['rings-only'] });
    instances.push({ ...sender, url });
  }
  process.stdout.write(
    `soak: ${instanceCount} sender process(es) on ${databaseUrl ? 'PostgreSQL' : 'SQLite'}, ${ringsPerSecond} operations/s (of 20: 17 rings, 3 device changes)${args['rings-only'] ? ', rings never end' : ', unanswered rings end after RINGKIT_TTL'}, ${userCount} users, ${(durationMs / 1000).toFixed(0)} s\n`,
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

  /**
   * A device registered, or one removed from a user who has DEVICES_PER_USER:
   * each user keeps 2-3 devices, so a ring's work is the same at the end of a
   * long run as at its start (registrations outpacing removals would make a
   * fast soak ring ever more devices and read that as growth).
   */
  const change = (uid: string) => (model.get(uid)!.size >= DEVICES_PER_USER ? remove(uid) : register(uid));

  // Every user starts with DEVICES_PER_USER devices.
  for (const uid of uids) await Promise.all(Array.from({ length: DEVICES_PER_USER }, () => register(uid)));

  const inFlight = new Set<Promise<void>>();
  const samples: Sample[] = [];
  const startedAt = Date.now();
  let op = 0;
  // Open loop: each tick starts every operation due by now, so a late tick (this process also
  // decrypts every push) does not lower the offered rate.
  const tick = setInterval(() => {
    const due = Math.floor(((Date.now() - startedAt) * ringsPerSecond) / 1000);
    while (op < due) {
      op++;
      if (inFlight.size >= MAX_IN_FLIGHT) {
        counts.shed++;
        continue;
      }
      const uid = pick(uids);
      // 3 in 20 operations change a user's devices; the rest ring.
      const work = op % 10 === 5 || op % 20 === 0 ? change(uid) : ring(uid);
      const tracked = work.catch(() => void counts.ringErrors++).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
  }, Math.max(1, Math.min(20, 1000 / ringsPerSecond)));

  // One sample at a time: each asks every sender a question and waits for its answer.
  let sampling: Promise<void> | undefined;
  const sampler = setInterval(() => {
    sampling ??= sample().finally(() => (sampling = undefined));
  }, sampleEveryMs);
  async function sample(): Promise<void> {
    // The push service keeps what it received for tests; the soak only needs counts.
    push.received.length = 0;
    for (const device of push.devices.values()) device.received.length = 0;
    const rings = latencies;
    latencies = [];
    // The senders' memory, every instance's together.
    const memory = await Promise.all(instances.map((i) => i.ask<'memory'>({ kind: 'memory' })));
    const sample: Sample = {
      atS: Math.round((Date.now() - startedAt) / 1000),
      rings: rings.length,
      p50: percentile(rings, 50),
      p99: percentile(rings, 99),
      rssMb: memory.reduce((n, m) => n + m.rssMb, 0),
      heapMb: memory.reduce((n, m) => n + m.heapMb, 0),
    };
    samples.push(sample);
    process.stdout.write(
      `${String(sample.atS).padStart(5)} s  ${(sample.rings / (sampleEveryMs / 1000)).toFixed(1).padStart(6)} rings/s  p50 ${sample.p50.toFixed(1).padStart(6)} ms  p99 ${sample.p99.toFixed(1).padStart(6)} ms  rss ${sample.rssMb.toFixed(1).padStart(6)} MB  heap ${sample.heapMb.toFixed(1).padStart(6)} MB\n`,
    );
  }

  await new Promise((r) => setTimeout(r, durationMs));
  clearInterval(tick);
  clearInterval(sampler);
  await sampling;
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  for (const i of instances) await i.ask<'done'>({ kind: 'drain' });

  // No device lost: the store holds exactly what was registered and not removed.
  const { byUid } = await instances[0]!.ask<'endpoints'>({ kind: 'endpoints', uids });
  let stored = 0;
  let lost = 0;
  let unexpected = 0;
  for (const uid of uids) {
    const endpoints = new Set(byUid[uid]);
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
    `memory of the sender process(es): rss ${samples.at(-1)?.rssMb.toFixed(1)} MB at the end; ${verdict.text}`,
    `devices: registered ${counts.registered}, removed ${counts.removed}, expected ${expectedDevices}, in the store ${stored}, lost ${lost}, unexpected ${unexpected}, write errors ${counts.writeErrors}: ${devicesOk ? 'none lost' : 'MISMATCH'}`,
    `verdict: ${verdict.flat && devicesOk && ringsOk ? 'PASS' : 'FAIL'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  for (const i of instances) await i.ask<'done'>({ kind: 'close' });
  await push.close();
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(verdict.flat && devicesOk && ringsOk ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
