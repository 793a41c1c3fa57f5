/**
 * One sender under test, in its own process so its CPU time and peak RSS are
 * its own (process.cpuUsage counts every thread, encryption workers included).
 *
 *   baseline  the seed's template: webpush.sendNotification for every subscription in Promise.allSettled
 *   ringkit   RingKit's sender (buildApp, the API, CallService, Deliverer) ringing one user's N devices
 *   single    RingKit ringing a 3-device user over real HTTP: the first ring cold, then warm ones
 */
import { setTimeout } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { App } from '../server/app';
import type { DeviceStore } from '../server/store/types';
import { now } from './clock';
import { startRingKit as startApp, vapidKeys } from './ringkit-app';
import { seedCaller as callerFields, seedRing, useSeedVapidKeys } from './seed-template';
import { loadSubscriptions, type BenchSubscription } from './subscriptions';

export type SenderJob = {
  variant: 'baseline' | 'ringkit' | 'single';
  subscriptionsFile: string;
  n: number;
  warmRings: number;
  /** undefined: the sender's default */
  encryptionThreads: number | undefined;
};
export type SenderResult = {
  /** when each ring was accepted (see clock.ts) */
  accepted: number[];
  finished: number;
  delivered: number;
  cpuUs: number;
  maxRssKB: number;
  /** RSS when the first ring was accepted: the sender started, subscriptions loaded */
  rssAtFirstRingKB: number;
};

const SESSION = 'v1.us.212570a35d379d83.1702625211b9a0c5';

/** CPU is counted from the first ring accepted, not while the sender starts or its store fills. */
let cpuAtFirstRing: NodeJS.CpuUsage | undefined;
let rssAtFirstRingKB = 0;
function accept(): number {
  if (!cpuAtFirstRing) {
    profiler?.post('Profiler.start');
    rssAtFirstRingKB = Math.round(process.memoryUsage.rss() / 1024);
    cpuAtFirstRing = process.cpuUsage();
  }
  return now();
}
let cpuUsed: NodeJS.CpuUsage | undefined;
function finish(): number {
  cpuUsed = process.cpuUsage(cpuAtFirstRing);
  const at = now();
  // An in-process inspector session answers synchronously.
  profiler?.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(process.env.BENCH_PROFILE_FILE!, JSON.stringify(result.profile));
  });
  return at;
}

/** --profile: the V8 profiler over the measured window only, not startup or filling the store. */
const profiler = process.env.BENCH_PROFILE_FILE ? new Session() : undefined;
profiler?.connect();
profiler?.post('Profiler.enable');

async function baseline(subscriptions: BenchSubscription[]): Promise<Omit<SenderResult, 'cpuUs' | 'maxRssKB' | 'rssAtFirstRingKB'>> {
  useSeedVapidKeys(vapidKeys);
  const sessionId = 'session0123456789abcdef'; // the seed's topic breaks on CometChat's dotted ids
  const accepted = accept();
  const delivered = await seedRing(subscriptions, sessionId);
  return { accepted: [accepted], finished: finish(), delivered };
}

async function startRingKit(subscriptions: BenchSubscription[], uid: string, encryptionThreads: number | undefined): Promise<{ app: App; apiKey: string; store: DeviceStore }> {
  // Warnings and errors only: the request log would drown the table (a successful push logs nothing anyway).
  const { app, store, secrets } = await startApp({ logger: () => ({ logger: pino({ level: 'warn' }, pino.destination(2)) }), encryptionThreads });
  for (const sub of subscriptions) await store.upsert({ uid, endpoint: sub.endpoint, ...sub.keys, userAgent: null });
  return { app, apiKey: secrets.apiKey, store };
}

const ringRequest = (recipientUid: string, sessionId: string) => ({ recipientUid, sessionId, ...callerFields });

async function ringkit(subscriptions: BenchSubscription[], encryptionThreads: number | undefined): Promise<Omit<SenderResult, 'cpuUs' | 'maxRssKB' | 'rssAtFirstRingKB'>> {
  const { app, apiKey, store } = await startRingKit(subscriptions, 'company', encryptionThreads);
  const accepted = accept();
  const res = await app.http.inject({
    method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${apiKey}` }, payload: ringRequest('company', SESSION),
  });
  if (res.statusCode !== 200) throw new Error(`ring failed: ${res.statusCode} ${res.body}`);
  await app.deliverer.drain(); // the ring answers after 3 s with the rest pending
  const finished = finish();
  const devices = await store.listByUser('company');
  await app.close();
  await store.close();
  return { accepted: [accepted], finished, delivered: devices.filter((d) => d.lastOutcome === 'delivered').length };
}

/** The device rung first, on another origin of the push service, so the 3-device user's first ring is cold only in its connection. */
export const FIRST_RING_DEVICE = 'first-ring';

/**
 * Over real HTTP, one ring at a time: first to a device of another origin
 * (the first ring after start: code not yet warm, encryption workers loaded),
 * then to a 3-device user, cold (new connection, new VAPID signature), then warm.
 */
async function single(subscriptions: BenchSubscription[], warmRings: number, encryptionThreads: number | undefined): Promise<Omit<SenderResult, 'cpuUs' | 'maxRssKB' | 'rssAtFirstRingKB'>> {
  const [other, ...three] = subscriptions;
  const { app, apiKey, store } = await startRingKit(three, 'grace', encryptionThreads);
  const elsewhere = other!.endpoint.replace('//127.0.0.1:', '//localhost:').replace(/[^/]+$/, FIRST_RING_DEVICE);
  await store.upsert({ uid: 'first', endpoint: elsewhere, ...other!.keys, userAgent: null });
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  await setTimeout(1000); // a sender that is up, as when a call comes
  const { port } = app.http.server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true });
  const ring = (uid: string, sessionId: string) =>
    new Promise<{ delivered: number }>((resolve, reject) => {
      const req = http.request(
        { port, host: '127.0.0.1', method: 'POST', path: '/api/calls', agent, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text) as { delivered: number }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(ringRequest(uid, sessionId)));
    });
  const accepted = [accept()];
  let delivered = (await ring('first', `${SESSION}.first`)).delivered;
  for (let i = 0; i <= warmRings; i += 1) {
    accepted.push(accept());
    delivered += (await ring('grace', `${SESSION}.${i}`)).delivered;
  }
  const finished = finish();
  agent.destroy();
  await app.close();
  await store.close();
  return { accepted, finished, delivered };
}

process.once('message', (job: SenderJob) => {
  void (async () => {
    const subscriptions = loadSubscriptions(job.subscriptionsFile, job.n);
    const run =
      job.variant === 'baseline' ? baseline(subscriptions) : job.variant === 'ringkit' ? ringkit(subscriptions, job.encryptionThreads) : single(subscriptions, job.warmRings, job.encryptionThreads);
    const result = await run;
    const reply: SenderResult = { ...result, cpuUs: cpuUsed!.user + cpuUsed!.system, maxRssKB: process.resourceUsage().maxRSS, rssAtFirstRingKB };
    process.send!(reply, () => process.exit(0));
  })().catch((err: unknown) => {
    process.stderr.write(`bench sender (${job.variant}) failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
