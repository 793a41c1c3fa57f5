/**
 * `npm run bench:calls`: many calls at once, each to a user with a few
 * devices, offered open-loop (send times fixed in advance, whether or not
 * earlier rings finished), stepping the rate up until the sender saturates;
 * RingKit's sender against the seed's template behind a minimal HTTP wrapper.
 *
 *   npm run bench:calls                          1,500 users × 3 devices, 5 s per rate, both senders
 *   npm run bench:calls -- --quick               2 s per rate
 *   npm run bench:calls -- --rates 200,400,800   other offered rates (rings/s)
 *   npm run bench:calls -- --only ringkit        one sender (no ratio)
 *   npm run bench:calls -- --threads 0           RingKit's encryption worker threads (default: the sender's)
 *   npm run bench:calls -- --instances 2         RingKit as 2 processes on one throwaway PostgreSQL, rings spread over them (the bench is the balancer)
 *   npm run bench:calls -- --rates 300,300,300 --all   every rate given, past saturation too (CPU per ring at a fixed rate)
 *   npm run bench:calls -- --profile             then CPU-profile RingKit's main thread for one step (--profile-rate, default half its capacity)
 *
 * Latency of a ring: its scheduled send time → the last of the callee's
 * pushes received at the loopback push service (matched by Topic). Capacity:
 * the highest offered rate at which every ring completed with p99 < 250 ms.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { SignJWT } from 'jose';
import { API_ROUTES } from '../protocol/api';
import { callTopic } from '../protocol/topic';
import { startThrowawayPostgres } from '../test/support/postgres-global-setup';
import { makeLoopbackCertificate } from '../test/support/tls';
import type { CallsSenderReply, CallsSenderRequest } from './calls-sender';
import { ask, nextMessage, startChild } from './children';
import { now } from './clock';
import { summariseProfile } from './profile-summary';
import { newSharedSecrets } from './ringkit-app';
import type { ServiceReply, ServiceRequest } from './push-service';
import { seedCaller, seedTopic } from './seed-template';
import { gitCommit, machine as machineInfo } from './machine';
import { percentile, round, table } from './stats';
import { generateSubscriptions } from './subscriptions';

const here = dirname(fileURLToPath(import.meta.url));

/** The issue's bounds (issue 18). */
const CAPACITY_P99_MS = 250;
const TARGETS = { capacityRatio: 4, halfCapacityP99Ms: 100, cpuUsPerRing: 1000 };
/** How long a step waits for its last rings after its last send before counting them incomplete. */
const SETTLE_MS = 8000;

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1500' },
    devices: { type: 'string', default: '3' },
    rates: { type: 'string', default: '100,200,300,400,500,600,800,1000,1200,1400,1600,1800,2000,2400' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    threads: { type: 'string' },
    instances: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    /** every rate of --rates, even past saturation (to compare CPU per ring at fixed rates) */
    all: { type: 'boolean', default: false },
    'profile-rate': { type: 'string' },
    out: { type: 'string' },
  },
});
const users = Number(args.users);
const devicesPerUser = Number(args.devices);
const rates = args.rates.split(',').map((r) => Number(r.trim()));
const stepSeconds = Number(args.seconds ?? (args.quick ? 2 : 5));
const variants = (['seed', 'ringkit'] as const).filter((v) => !args.only || args.only === v);
if (variants.length === 0) throw new Error(`--only takes seed or ringkit, not ${args.only}`);
if (![users, devicesPerUser, stepSeconds, ...rates].every((n) => Number.isFinite(n) && n > 0)) throw new Error('--users, --devices, --seconds and --rates take positive numbers');
const encryptionThreads = args.threads === undefined ? undefined : Number(args.threads);
const instances = Number(args.instances);
if (!Number.isInteger(instances) || instances < 1) throw new Error(`--instances takes a count, not ${args.instances}`);
const out = args.out ?? join(here, 'results', 'calls-latest.json');

type Variant = (typeof variants)[number];

interface Step {
  offeredPerSecond: number;
  rings: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  pushesPerSecond: number;
  /** the sender process, every thread */
  cpuUsPerRing: number;
  /** the sender's main thread's own CPU per ring: the part the encryption workers cannot take */
  mainUsPerRing: number;
  cpuUsPerPush: number;
  /** sender CPU ÷ the step's wall time: cores busy */
  senderCores: number;
  serviceCpuUsPerPush: number;
  /** this process (it offers the rings and matches the arrivals): the bench's own share of the cores */
  benchCpuUsPerRing: number;
  rssMB: number;
  httpErrors: number;
  /** 1-minute load average at the end of the step (the machine is shared) */
  loadAverage: number;
  ok: boolean;
}

interface Ring {
  sentAt: number;
  waiting: Set<string>;
  lastAt: number;
}

/** The sender under test: its processes (several RingKit instances share one PostgreSQL), where they listen, what the bench needs to call them. */
interface Target {
  variant: Variant;
  processes: Array<{ child: ChildProcess; url: string }>;
  apiKey: string;
  agent: http.Agent;
}

/** Round robin over the instances: the bench is their load balancer. */
let nextInstance = 0;
const pick = (target: Target) => target.processes[nextInstance++ % target.processes.length]!;

const deviceIds = (u: number) => Array.from({ length: devicesPerUser }, (_, k) => `d${u * devicesPerUser + k}`);

function post(target: Target, path: string, body: unknown, authorization?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(`${pick(target).url}${path}`, {
      method: 'POST', agent: target.agent,
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization: `Bearer ${authorization}` } : {}) },
    }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(JSON.stringify(body));
  });
}

async function main(): Promise<void> {
  const cert = await makeLoopbackCertificate();
  const service = startChild('push-service.ts', { BENCH_CERT_FILE: cert.certFile, BENCH_KEY_FILE: cert.keyFile });
  const { origin } = await nextMessage<Extract<ServiceReply, { kind: 'listening' }>>(service);
  const collect = () => ask<Extract<ServiceReply, { kind: 'arrivals' }>>(service, { kind: 'collect' } satisfies ServiceRequest);
  const loadBefore = loadavg()[0]!;
  process.stderr.write(`generating ${users} users × ${devicesPerUser} devices with P-256 keys…\n`);
  const generated = generateSubscriptions(origin, users * devicesPerUser);
  const postgres = instances > 1 && variants.includes('ringkit') ? await startThrowawayPostgres() : undefined;
  const profileDir = mkdtempSync(join(tmpdir(), 'ringkit-bench-calls-'));
  let ringNo = 0;

  async function startTarget(variant: Variant): Promise<Target> {
    const count = variant === 'ringkit' ? instances : 1;
    const shared = newSharedSecrets();
    const processes: Target['processes'] = [];
    let up: Extract<CallsSenderReply, { kind: 'listening' }> | undefined;
    for (let i = 0; i < count; i += 1) {
      // The production log goes to the child's stdout: discarded, as a log shipper would take it away.
      const child = startChild('calls-sender.ts', { NODE_EXTRA_CA_CERTS: cert.certFile }, 'ignore');
      up = await ask<Extract<CallsSenderReply, { kind: 'listening' }>>(child, { kind: 'start', variant, encryptionThreads, databaseUrl: postgres?.databaseUrl, shared } satisfies CallsSenderRequest);
      processes.push({ child, url: up.url });
    }
    const target: Target = { variant, processes, apiKey: up!.apiKey, agent: new http.Agent({ keepAlive: true, maxSockets: 4096 }) };
    // Every device registered the way a browser registers it.
    const key = new TextEncoder().encode(up!.authSecret);
    let next = 0;
    let refused = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let u = next++; u < users; u = next++) {
        const uid = `user-${u}`;
        const token = variant === 'ringkit' ? await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setExpirationTime('1h').sign(key) : undefined;
        for (const id of deviceIds(u)) {
          const sub = generated.subscriptions[Number(id.slice(1))]!;
          const subscription = { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys };
          const status = variant === 'ringkit'
            ? await post(target, API_ROUTES.subscriptions, { subscription }, token)
            : await post(target, '/subscribe', { uid, subscription });
          if (status !== 201) refused += 1;
        }
      }
    }));
    if (refused > 0) throw new Error(`${variant}: ${refused} device registrations refused`);
    return target;
  }

  /** CPU and memory of every process of the sender, summed. */
  async function usage(target: Target) {
    const all = await Promise.all(target.processes.map(({ child }) => ask<Extract<CallsSenderReply, { kind: 'usage' }>>(child, { kind: 'usage' } satisfies CallsSenderRequest)));
    const sum = (k: 'cpuUs' | 'mainCpuUs' | 'rssKB' | 'maxRssKB') => all.reduce((n, u) => n + u[k], 0);
    return { cpuUs: sum('cpuUs'), mainCpuUs: sum('mainCpuUs'), rssKB: sum('rssKB'), maxRssKB: sum('maxRssKB') };
  }

  /** Offers `rate` rings/s for `seconds`, open loop, and waits for their pushes. */
  async function step(target: Target, rate: number, seconds: number): Promise<Step> {
    await collect(); // what arrived late for earlier steps is not this step's
    const count = Math.max(1, Math.round(rate * seconds));
    const byTopic = new Map<string, Ring>();
    const before = await usage(target);
    const benchBefore = process.cpuUsage();
    let serviceCpuUs = 0;
    let httpErrors = 0;
    let completed = 0;
    const arrived = (arrivals: Array<[string, number, string, string]>) => {
      for (const [id, at, , topic] of arrivals) {
        const ring = byTopic.get(topic);
        if (!ring?.waiting.delete(id)) continue;
        ring.lastAt = Math.max(ring.lastAt, at);
        if (ring.waiting.size === 0) completed += 1;
      }
    };
    const t0 = now() + 20;
    const interval = 1000 / rate;
    for (let i = 0; i < count; ) {
      const due = t0 + i * interval;
      const wait = due - now();
      if (wait > 0) {
        // Sleep, never spin: a timer fires up to ~1 ms late, and that lateness is charged to the
        // sender (latency counts from the scheduled time), while spinning for sub-millisecond
        // precision took this process ~0.5 ms of CPU per ring from the cores the sender shares.
        await sleep(Math.max(1, wait));
        continue;
      }
      // Every ring due by now leaves now, whatever the earlier ones are doing.
      for (; i < count && t0 + i * interval <= now(); i += 1) {
        const u = ringNo++ % users;
        const sessionId = `b${ringNo}r${u}`;
        const topic = target.variant === 'ringkit' ? callTopic(sessionId) : seedTopic(sessionId);
        byTopic.set(topic, { sentAt: t0 + i * interval, waiting: new Set(deviceIds(u)), lastAt: 0 });
        const ring = { recipientUid: `user-${u}`, sessionId, ...seedCaller };
        void (target.variant === 'ringkit' ? post(target, API_ROUTES.calls, ring, target.apiKey) : post(target, '/ring', ring)).then((status) => {
          if (status !== 200) httpErrors += 1;
        });
      }
    }
    const lastDue = t0 + (count - 1) * interval;
    while (completed < count && now() < lastDue + SETTLE_MS) {
      await sleep(100);
      const got = await collect();
      serviceCpuUs += got.cpuUs;
      arrived(got.arrivals);
    }
    const after = await usage(target);
    const bench = process.cpuUsage(benchBefore);
    const got = await collect();
    serviceCpuUs += got.cpuUs;
    arrived(got.arrivals);
    const rings = [...byTopic.values()];
    const done = rings.filter((r) => r.waiting.size === 0);
    const latencies = done.map((r) => r.lastAt - r.sentAt);
    const pushes = rings.reduce((n, r) => n + devicesPerUser - r.waiting.size, 0);
    const lastAt = Math.max(...rings.map((r) => r.lastAt));
    const cpuUs = after.cpuUs - before.cpuUs;
    const p99 = percentile(latencies, 99);
    return {
      offeredPerSecond: rate,
      rings: count,
      completed: done.length,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(p99),
      maxMs: round(Math.max(...latencies)),
      pushesPerSecond: round((pushes / (lastAt - t0)) * 1000),
      cpuUsPerRing: round(cpuUs / count),
      cpuUsPerPush: round(cpuUs / (count * devicesPerUser)),
      mainUsPerRing: round((after.mainCpuUs - before.mainCpuUs) / count),
      senderCores: round(cpuUs / 1000 / (lastAt - t0)),
      serviceCpuUsPerPush: round(serviceCpuUs / Math.max(1, pushes)),
      benchCpuUsPerRing: round((bench.user + bench.system) / count),
      rssMB: round(after.rssKB / 1024),
      httpErrors,
      loadAverage: round(loadavg()[0]!),
      ok: done.length === count && httpErrors === 0 && p99 < CAPACITY_P99_MS,
    };
  }

  const printStep = (variant: Variant, s: Step) =>
    process.stderr.write(
      `  ${variant} ${s.offeredPerSecond}/s: ${s.completed}/${s.rings} complete, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms, ` +
        `${s.pushesPerSecond} pushes/s, ${s.cpuUsPerRing} µs CPU/ring (main thread ${s.mainUsPerRing} µs, ${s.senderCores} cores; bench ${s.benchCpuUsPerRing} µs/ring), RSS ${s.rssMB} MB, load ${s.loadAverage}${s.ok ? '' : '  ✗'}\n`,
    );

  const results: Record<string, { steps: Step[]; capacity: number; peakRssMB: number; profile?: string; profileRate?: number }> = {};
  try {
    for (const variant of variants) {
      process.stderr.write(`${variant}: registering ${users * devicesPerUser} devices over its API…\n`);
      const target = await startTarget(variant);
      await step(target, 100, 3); // warm: connections open, code compiled
      const steps: Step[] = [];
      let failures = 0;
      for (const rate of rates) {
        const s = await step(target, rate, stepSeconds);
        steps.push(s);
        printStep(variant, s);
        // Saturated: two rates in a row failed (one alone may be the shared machine's doing).
        failures = s.ok ? 0 : failures + 1;
        if (failures >= 2 && !args.all) break;
        await sleep(1000);
      }
      const capacity = Math.max(0, ...steps.filter((s) => s.ok).map((s) => s.offeredPerSecond));
      const result: (typeof results)[string] = { steps, capacity, peakRssMB: round((await usage(target)).maxRssKB / 1024) };
      if (args.profile && variant === 'ringkit') {
        const rate = Number(args['profile-rate'] ?? Math.max(100, Math.round(capacity / 2 / 50) * 50));
        const file = join(profileDir, `calls-${rate}.cpuprofile`);
        await sleep(1000);
        const profiled = target.processes[0]!.child; // the first instance's main thread
        await ask(profiled, { kind: 'profile-start' } satisfies CallsSenderRequest);
        const s = await step(target, rate, stepSeconds);
        await ask(profiled, { kind: 'profile-stop', file } satisfies CallsSenderRequest);
        printStep(variant, s);
        result.profileRate = rate;
        result.profile = summariseProfile(file, 20);
      }
      results[variant] = result;
      target.agent.destroy();
      for (const { child } of target.processes) child.kill();
    }
    report(results, loadBefore);
  } finally {
    service.send({ kind: 'close' } satisfies ServiceRequest);
    await postgres?.stop();
    if (!process.env.BENCH_KEEP) rmSync(profileDir, { recursive: true, force: true });
    else process.stderr.write(`profiles kept in ${profileDir}\n`);
  }
}

function report(results: Record<string, { steps: Step[]; capacity: number; peakRssMB: number; profile?: string; profileRate?: number }>, loadBefore: number): void {
  const machine = machineInfo(loadBefore);
  const rows = [['sender', 'offered/s', 'complete', 'p50 ms', 'p99 ms', 'max ms', 'pushes/s', 'CPU µs/ring', 'main µs/ring', 'CPU µs/push', 'sender cores', 'service µs/push', 'bench µs/ring', 'RSS MB', 'load', '']];
  for (const [variant, r] of Object.entries(results)) {
    for (const s of r.steps) {
      rows.push([variant, String(s.offeredPerSecond), `${s.completed}/${s.rings}`, String(s.p50Ms), String(s.p99Ms), String(s.maxMs), String(s.pushesPerSecond),
        String(s.cpuUsPerRing), String(s.mainUsPerRing), String(s.cpuUsPerPush), String(s.senderCores), String(s.serviceCpuUsPerPush), String(s.benchCpuUsPerRing), String(s.rssMB), String(s.loadAverage), s.ok ? 'ok' : '✗']);
    }
  }
  const ringkit = results.ringkit;
  const seed = results.seed;
  const ratio = ringkit && seed && seed.capacity > 0 ? round(ringkit.capacity / seed.capacity) : undefined;
  const passing = ringkit?.steps.filter((s) => s.ok) ?? [];
  const half = ringkit ? [...passing].reverse().find((s) => s.offeredPerSecond <= ringkit.capacity / 2) : undefined;
  const cpuPerRing = passing.length > 0 ? percentile(passing.map((s) => s.cpuUsPerRing), 50) : undefined;
  const targets = {
    [`capacity ≥ ${TARGETS.capacityRatio}× the seed template's`]: ratio === undefined ? 'not run' : ratio >= TARGETS.capacityRatio,
    [`p99 < ${TARGETS.halfCapacityP99Ms} ms at half of RingKit's capacity`]: half ? half.p99Ms < TARGETS.halfCapacityP99Ms : 'not run',
    [`CPU ≤ ${TARGETS.cpuUsPerRing} µs per ${devicesPerUser}-device ring (median of the rates within capacity)`]: cpuPerRing === undefined ? 'not run' : cpuPerRing <= TARGETS.cpuUsPerRing,
  };

  console.log(`\nconcurrent calls — ${users} users × ${devicesPerUser} devices, ${stepSeconds} s per rate, open loop${instances > 1 ? `, RingKit as ${instances} instances on PostgreSQL` : ''}; ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load average ${machine.loadAverage.join(' → ')}\n`);
  console.log(table(rows));
  console.log(`\ncapacity (every ring complete, p99 < ${CAPACITY_P99_MS} ms): ${Object.entries(results).map(([v, r]) => `${v} ${r.capacity}/s`).join(', ')}${ratio === undefined ? '' : ` — ${ratio}×`}`);
  if (half) console.log(`at half of RingKit's capacity (${half.offeredPerSecond}/s): p99 ${half.p99Ms} ms`);
  // A quiet process pays for every wake-up of its threads alone; near capacity they are shared by many rings.
  const atCapacity = passing.find((s) => s.offeredPerSecond === ringkit?.capacity);
  if (cpuPerRing !== undefined) console.log(`RingKit's CPU per ring: median within capacity ${round(cpuPerRing)} µs, at capacity ${atCapacity?.cpuUsPerRing} µs (main thread ${atCapacity?.mainUsPerRing} µs)`);
  console.log('\ntargets:');
  for (const [target, met] of Object.entries(targets)) console.log(`  ${met === true ? 'met    ' : met === false ? 'NOT MET' : met}  ${target}`);
  if (ringkit?.profile) console.log(`\nRingKit's main thread at ${ringkit.profileRate} rings/s (encryption workers not included):\n${ringkit.profile}`);

  const result = { date: new Date().toISOString(), commit: gitCommit(), machine, users, devicesPerUser, stepSeconds, instances, encryptionThreads: encryptionThreads ?? 'default', results, ratio, targets };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
