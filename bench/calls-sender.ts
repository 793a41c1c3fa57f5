/**
 * The sender under the concurrent-calls bench, in its own process so its CPU
 * (every thread: process.cpuUsage counts the encryption workers) and RSS are
 * its own. It listens on a loopback port; the bench registers devices and
 * rings over real HTTP.
 *
 *   ringkit  RingKit's sender (buildApp, SQLite, its production log to a discarded stdout)
 *   seed     the seed's template (seed-template.ts) behind a minimal node:http wrapper:
 *            POST /subscribe {uid, subscription} keeps it in memory, POST /ring {recipientUid, sessionId, …} rings
 *   bare     node:http answering every request 200 once its body is read: what a request costs
 *            this machine before any sender does anything (bench/http-floor.ts)
 */
import http from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { createLogger } from '../server/logger';
import { startRingKit, vapidKeys, type SharedSecrets } from './ringkit-app';
import { seedRing, useSeedVapidKeys } from './seed-template';
import type { BenchSubscription } from './subscriptions';

export type CallsSenderRequest =
  | { kind: 'start'; variant: 'ringkit' | 'seed' | 'bare'; encryptionThreads: number | undefined; databaseUrl?: string | undefined; shared?: SharedSecrets }
  | { kind: 'usage' }
  | { kind: 'profile-start' }
  | { kind: 'profile-stop'; file: string };
export type CallsSenderReply =
  | { kind: 'listening'; url: string; apiKey: string; authSecret: string }
  /** mainCpuUs: the main thread's own CPU (the rest of cpuUs is the encryption workers' and libuv's) */
  | { kind: 'usage'; cpuUs: number; mainCpuUs: number; rssKB: number; maxRssKB: number }
  | { kind: 'profiled' };

const reply = (message: CallsSenderReply) => process.send!(message);

async function startBare(): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startSeed(): Promise<string> {
  useSeedVapidKeys(vapidKeys);
  const devices = new Map<string, Pick<BenchSubscription, 'endpoint' | 'keys'>[]>();
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
      void (async () => {
        const body = JSON.parse(text) as { uid: string; subscription: BenchSubscription; recipientUid: string; sessionId: string; callerName: string; callerUid: string; callType: string };
        if (req.url === '/subscribe') {
          devices.set(body.uid, [...(devices.get(body.uid) ?? []), body.subscription]);
          res.writeHead(201).end();
        } else {
          const delivered = await seedRing(devices.get(body.recipientUid) ?? [], body.sessionId, body);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ delivered }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const profiler = new Session();

/**
 * The main thread's CPU time: Linux's per-thread utime + stime (the main
 * thread's id is the process id), in clock ticks of 10 ms. Node 20 has no
 * per-thread cpuUsage; the event loop's busy time would count the time the
 * thread waits for a core on a shared machine.
 */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

process.on('message', (request: CallsSenderRequest) => {
  void (async () => {
    if (request.kind === 'start') {
      if (request.variant === 'seed') return reply({ kind: 'listening', url: await startSeed(), apiKey: '', authSecret: '' });
      if (request.variant === 'bare') return reply({ kind: 'listening', url: await startBare(), apiKey: '', authSecret: '' });
      // The production log (JSON, a line per request), written to a stdout the bench discards.
      const { app, secrets } = await startRingKit({ logger: (config) => createLogger(config, false), ...request });
      // Rings that time out would add call_ended pushes 30 s later, a workload the seed has no part of.
      app.calls.close();
      const url = await app.http.listen({ port: 0, host: '127.0.0.1' });
      return reply({ kind: 'listening', url, apiKey: secrets.apiKey, authSecret: secrets.authSecret });
    }
    if (request.kind === 'usage') {
      const cpu = process.cpuUsage();
      return reply({ kind: 'usage', cpuUs: cpu.user + cpu.system, mainCpuUs: mainThreadCpuUs(), rssKB: Math.round(process.memoryUsage.rss() / 1024), maxRssKB: process.resourceUsage().maxRSS });
    }
    if (request.kind === 'profile-start') {
      profiler.connect();
      profiler.post('Profiler.enable');
      profiler.post('Profiler.start');
      return reply({ kind: 'profiled' });
    }
    profiler.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(request.file, JSON.stringify(result.profile));
      profiler.disconnect();
      reply({ kind: 'profiled' });
    });
  })().catch((err: unknown) => {
    process.stderr.write(`bench calls sender failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
