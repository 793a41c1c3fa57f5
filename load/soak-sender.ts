/**
 * One sender instance under the soak, in its own process: the soak's own
 * process generates the load and runs the push service that verifies and
 * decrypts every push, and on two cores one process doing all three falls
 * behind near half of the sender's capacity. Its memory (heap after GC) is
 * what the soak judges, so it runs with --expose-gc and answers on IPC.
 */
import { pino } from 'pino';
import { buildApp } from '../server/app';
import { loadConfig } from '../server/config';
import { createPushTransport } from '../server/push/transport';
import { loadSecrets } from '../server/secrets';
import { openStore } from '../server/store/open-store';

export type SoakSenderRequest =
  | { kind: 'start'; env: NodeJS.ProcessEnv; pushCert: string; ringsOnly: boolean }
  | { kind: 'memory' }
  | { kind: 'endpoints'; uids: string[] }
  | { kind: 'drain' }
  | { kind: 'close' };
export type SoakSenderReply =
  | { kind: 'listening'; url: string }
  | { kind: 'memory'; rssMb: number; heapMb: number }
  | { kind: 'endpoints'; byUid: Record<string, string[]> }
  | { kind: 'done' };

const mb = (bytes: number) => bytes / (1024 * 1024);
const gc = (globalThis as { gc?: () => void }).gc;
const reply = (message: SoakSenderReply) => process.send!(message);
let running: Awaited<ReturnType<typeof start>> | undefined;

async function start({ env, pushCert, ringsOnly }: Extract<SoakSenderRequest, { kind: 'start' }>) {
  const config = loadConfig(env);
  const secrets = await loadSecrets(config);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, onError: (err) => logger.warn({ err }, 'database connection lost') });
  const transport = createPushTransport({ ca: pushCert });
  const app = await buildApp({ config, secrets, store, logger, transport });
  // No ring ends unanswered: no call_ended pushes 30 s later, the workload of `npm run bench:calls`.
  if (ringsOnly) app.calls.close();
  const url = await app.http.listen({ port: 0, host: '127.0.0.1' });
  return { app, store, transport, url };
}

process.on('message', (request: SoakSenderRequest) => {
  void (async () => {
    if (request.kind === 'start') {
      running = await start(request);
      return reply({ kind: 'listening', url: running.url });
    }
    const { app, store, transport } = running!;
    if (request.kind === 'memory') {
      gc?.();
      const memory = process.memoryUsage();
      return reply({ kind: 'memory', rssMb: mb(memory.rss), heapMb: mb(memory.heapUsed) });
    }
    if (request.kind === 'endpoints') {
      const byUid: Record<string, string[]> = {};
      for (const uid of request.uids) byUid[uid] = (await store.listByUser(uid)).map((d) => d.endpoint);
      return reply({ kind: 'endpoints', byUid });
    }
    if (request.kind === 'drain') {
      await app.drain();
      return reply({ kind: 'done' });
    }
    await app.close();
    await store.close();
    transport.close();
    reply({ kind: 'done' });
    process.disconnect();
  })().catch((err: unknown) => {
    process.stderr.write(`soak sender failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
