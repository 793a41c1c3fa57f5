/**
 * `npm run bench`: RingKit's sender against the seed's web-push template, on
 * the same generated subscriptions and the same loopback push service.
 *
 *   npm run bench                      N = 1,000 and 10,000, then one ring to a 3-device user
 *   npm run bench -- --quick           N = 1,000 only (under a minute)
 *   npm run bench -- --n 2000,5000     other sizes
 *   npm run bench -- --out file.json   where the JSON goes (default bench/results/latest.json)
 *   npm run bench -- --repeat 3        each size 3 times, senders alternating; the table keeps each sender's best
 *   npm run bench -- --only ringkit    one sender only (no ratio)
 *   npm run bench -- --threads 0       RingKit's encryption worker threads (default: the sender's, one per core up to 4)
 *   npm run bench -- --profile         CPU-profile RingKit's main thread from ring accepted to last push answered, and print where it goes
 */
import { nextMessage, startChild } from './children';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBundleSizes, measureBundles, type BundleSizes } from '../scripts/bundle-sizes';
import { makeLoopbackCertificate } from '../test/support/tls';
import type { ServiceReply, ServiceRequest } from './push-service';
import { FIRST_RING_DEVICE, type SenderJob, type SenderResult } from './sender';
import { summariseProfile } from './profile-summary';
import { gitCommit, machine as machineInfo } from './machine';
import { percentile, round, table } from './stats';
import { generateSubscriptions, saveSubscriptions } from './subscriptions';

const here = dirname(fileURLToPath(import.meta.url));

/** Issue 18's bounds (issue 10's were 8×, 3,000 pushes/s and a warm p50 under 10 ms). */
const TARGETS = { ratioAt10k: 10, pushesPerSecond: 4500, warmRingP99Ms: 5 };

interface ThroughputRun {
  n: number;
  sender: 'baseline' | 'ringkit';
  pushesPerSecond: number;
  /** 1 s / CPU per push: what one core would sustain, whatever else the machine was doing */
  pushesPerCpuSecond: number;
  /** the push service's CPU per push (its process, same cores) */
  serviceCpuUsPerPush: number;
  /** what all the cores would sustain if nothing else ran: cores × 1 s / (sender + push service CPU per push) */
  cpuCeilingPushesPerSecond: number;
  wallMs: number;
  /** from "ring accepted" to "push service received it" */
  p50Ms: number;
  p99Ms: number;
  cpuUsPerPush: number;
  peakRssMB: number;
  /** RSS when the ring was accepted: what the sender held before sending */
  rssAtRingMB: number;
  received: number;
  delivered: number;
  protocols: string[];
  connections: number;
  /** sampled bodies decrypt with the subscription's private key */
  decrypts: boolean;
}

const { values: args } = parseArgs({
  options: { n: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' }, profile: { type: 'boolean', default: false }, only: { type: 'string' }, threads: { type: 'string' }, repeat: { type: 'string' } },
});
const sizes = (args.n ?? (args.quick ? '1000' : '1000,10000')).split(',').map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--n takes sizes like 1000,10000, not ${args.n}`);
const senders = (['baseline', 'ringkit'] as const).filter((s) => !args.only || args.only === s);
if (senders.length === 0) throw new Error(`--only takes baseline or ringkit, not ${args.only}`);
const repeat = Number(args.repeat ?? 1);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat takes a count, not ${args.repeat}`);
const encryptionThreads = args.threads === undefined ? undefined : Number(args.threads);
const warmRings = args.quick ? 20 : 50;
const out = args.out ?? join(here, 'results', 'latest.json');

async function main(): Promise<void> {
  const cert = await makeLoopbackCertificate();
  const service = startChild('push-service.ts', { BENCH_CERT_FILE: cert.certFile, BENCH_KEY_FILE: cert.keyFile });
  const { origin } = await nextMessage<Extract<ServiceReply, { kind: 'listening' }>>(service);
  const collect = async () => {
    const reply = nextMessage<Extract<ServiceReply, { kind: 'arrivals' }>>(service);
    service.send({ kind: 'collect' } satisfies ServiceRequest);
    return reply;
  };

  const loadBefore = loadavg()[0]!;
  const maxN = Math.max(...sizes, 4);
  process.stderr.write(`generating ${maxN} subscriptions with P-256 keys…\n`);
  const generated = generateSubscriptions(origin, maxN);
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-bench-subs-'));
  const subscriptionsFile = join(dir, 'subscriptions.json');
  saveSubscriptions(subscriptionsFile, generated.subscriptions);

  // Both senders trust the loopback certificate the way any Node process can, without code changes.
  const runSender = async (job: SenderJob) => {
    const profile = args.profile && job.variant === 'ringkit' ? join(dir, `ringkit-${job.n}.cpuprofile`) : undefined;
    const child = startChild('sender.ts', { NODE_EXTRA_CA_CERTS: cert.certFile, ...(profile ? { BENCH_PROFILE_FILE: profile } : {}) });
    const result = nextMessage<SenderResult>(child);
    child.send(job);
    const done = { result: await result, ...(await collect()) };
    if (profile) {
      console.log(`\nRingKit's main thread, N = ${job.n}, ring accepted → last push answered (encryption workers, if any, not included):`);
      console.log(summariseProfile(profile));
    }
    return done;
  };

  const runs: ThroughputRun[] = [];
  try {
    for (const n of sizes) {
      for (let r = 1; r <= repeat; r += 1) for (const sender of senders) {
        process.stderr.write(`N = ${n}: ${sender}${repeat > 1 ? ` (${r}/${repeat})` : ''}…\n`);
        const { result, arrivals, bodies, connections, cpuUs: serviceCpuUs } = await runSender({ variant: sender, subscriptionsFile, n, warmRings: 0, encryptionThreads });
        const accepted = result.accepted[0]!;
        const latencies = arrivals.map(([, at]) => at - accepted);
        const wallMs = Math.max(...latencies);
        runs.push({
          n,
          sender,
          pushesPerSecond: round((arrivals.length / wallMs) * 1000),
          wallMs: round(wallMs),
          p50Ms: round(percentile(latencies, 50)),
          p99Ms: round(percentile(latencies, 99)),
          cpuUsPerPush: round(result.cpuUs / n),
          pushesPerCpuSecond: round((n / result.cpuUs) * 1e6),
          serviceCpuUsPerPush: round(serviceCpuUs / n),
          cpuCeilingPushesPerSecond: round((availableParallelism() * 1e6 * n) / (result.cpuUs + serviceCpuUs)),
          peakRssMB: round(result.maxRssKB / 1024),
          rssAtRingMB: round(result.rssAtFirstRingKB / 1024),
          received: arrivals.length,
          delivered: result.delivered,
          protocols: [...new Set(arrivals.map(([, , version]) => (version === '2.0' ? 'h2' : `http/${version}`)))],
          connections,
          decrypts: Object.entries(bodies).every(([id, body]) => {
            try {
              return (JSON.parse(generated.decrypt(id, Buffer.from(body, 'base64'))) as { type?: string }).type === 'incoming_call';
            } catch {
              return false;
            }
          }),
        });
      }
    }

    process.stderr.write(`one ring to a 3-device user: cold, then ${warmRings} warm…\n`);
    const single = await runSender({ variant: 'single', subscriptionsFile, n: 4, warmRings, encryptionThreads });
    const [firstAccepted, ...accepted] = single.result.accepted;
    const firstArrival = single.arrivals.find(([id]) => id === FIRST_RING_DEVICE)?.[1] ?? Number.NaN;
    // Rings go one at a time and each answers after its 3 pushes arrived: arrivals group in threes.
    const times = single.arrivals.filter(([id]) => id !== FIRST_RING_DEVICE).map(([, at]) => at).sort((a, b) => a - b);
    const ringMs = accepted.map((at, i) => Math.max(...times.slice(i * 3, i * 3 + 3)) - at);
    const singleRing = {
      devices: 3,
      firstRingAfterStartMs: round(firstArrival - firstAccepted!),
      coldMs: round(ringMs[0]!),
      warmP50Ms: round(percentile(ringMs.slice(1), 50)),
      warmP99Ms: round(percentile(ringMs.slice(1), 99)),
      warmRings,
      delivered: single.result.delivered,
    };

    // `npm run bench` builds first: what the browser loads is reported with the sender's figures.
    const dist = fileURLToPath(new URL('../dist', import.meta.url));
    report(runs, singleRing, loadBefore, existsSync(join(dist, 'index.html')) ? await measureBundles(dist) : undefined);
  } finally {
    service.send({ kind: 'close' } satisfies ServiceRequest);
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

function report(allRuns: ThroughputRun[], singleRing: Record<string, number>, loadBefore: number, bundles: BundleSizes | undefined): void {
  const machine = machineInfo(loadBefore);
  // With --repeat, each sender's best run at each size: the one least disturbed by the rest of the machine.
  const runs = allRuns
    .filter((run) => !allRuns.some((o) => o.n === run.n && o.sender === run.sender && o.pushesPerSecond > run.pushesPerSecond))
    .sort((a, b) => a.n - b.n || a.sender.localeCompare(b.sender));
  const rows = [['N', 'sender', 'pushes/s', 'wall ms', 'p50 ms', 'p99 ms', 'CPU µs/push', 'pushes/CPU-s', 'service CPU µs/push', 'ceiling/s', 'RSS MB start→peak', 'received', 'over']];
  const ratios: Array<{ n: number; pushesPerSecond: number; cpuPerPush: number }> = [];
  for (const run of runs) {
    rows.push([String(run.n), run.sender, String(run.pushesPerSecond), String(run.wallMs), String(run.p50Ms), String(run.p99Ms),
      String(run.cpuUsPerPush), String(run.pushesPerCpuSecond), String(run.serviceCpuUsPerPush), String(run.cpuCeilingPushesPerSecond), `${run.rssAtRingMB}→${run.peakRssMB}`, `${run.received}/${run.n}`, `${run.protocols.join('+')} (${run.connections} conn)`]);
    const base = runs.find((r) => r.n === run.n && r.sender === 'baseline');
    if (run.sender === 'ringkit' && base) {
      const ratio = { n: run.n, pushesPerSecond: round(run.pushesPerSecond / base.pushesPerSecond), cpuPerPush: round(run.cpuUsPerPush / base.cpuUsPerPush) };
      ratios.push(ratio);
      rows.push(['', 'ringkit/baseline', `${ratio.pushesPerSecond}×`, '', '', '', `${ratio.cpuPerPush}×`, `${round(1 / ratio.cpuPerPush)}×`, '', '', '', '', '']);
    }
  }
  const best = Math.max(...runs.filter((r) => r.sender === 'ringkit').map((r) => r.pushesPerSecond));
  const at10k = ratios.find((r) => r.n === 10_000);
  const targets = {
    [`≥ ${TARGETS.ratioAt10k}× the baseline's pushes/s at N = 10,000`]: at10k ? at10k.pushesPerSecond >= TARGETS.ratioAt10k : 'not run',
    [`≥ ${TARGETS.pushesPerSecond} pushes/s`]: best >= TARGETS.pushesPerSecond,
    [`warm single 3-device ring p99 < ${TARGETS.warmRingP99Ms} ms`]: singleRing.warmP99Ms! < TARGETS.warmRingP99Ms,
  };
  const problems = allRuns.filter((r) => r.received !== r.n || !r.decrypts).map((r) => `${r.sender} N=${r.n}: ${r.received} received, decrypts: ${r.decrypts}`);

  console.log(`\nRingKit sender bench — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.platform}, load average ${machine.loadAverage.join(' → ')}\n`);
  console.log(table(rows));
  console.log(`\none ring to a 3-device user, API request → push service has all 3:`);
  console.log(`  cold (new connection, new VAPID signature): ${singleRing.coldMs} ms; warm: p50 ${singleRing.warmP50Ms} ms, p99 ${singleRing.warmP99Ms} ms (${singleRing.warmRings} rings)`);
  console.log(`  the sender's very first ring after start (1 device, code not yet optimised): ${singleRing.firstRingAfterStartMs} ms`);
  console.log('\ntargets:');
  for (const [target, met] of Object.entries(targets)) console.log(`  ${met === true ? 'met    ' : met === false ? 'NOT MET' : met}  ${target}`);
  for (const problem of problems) console.log(`  problem: ${problem}`);
  console.log('\nceiling/s: cores × 1 s ÷ (sender + push service CPU per push), the rate if nothing else ran on the machine.');
  console.log(`\nwhat the browser loads (gzip):\n${bundles ? formatBundleSizes(bundles) : '  no build in dist/: run npm run build'}`);

  const result = { date: new Date().toISOString(), commit: gitCommit(), machine, runs, ratios, singleRing, targets, problems, bundles, allRuns };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
