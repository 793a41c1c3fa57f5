import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { buildApp } from './app';
import { ConfigError, isLoopback, loadConfig } from './config';
import { egressProxyFromEnvironment } from './push/egress-proxy';
import { loadSecrets } from './secrets';
import { openStore } from './store/open-store';

/** How long a stopping sender waits for rings still retrying. */
const DRAIN_TIMEOUT_MS = 10_000;

/** The sender's process: configuration, logging, listening and a graceful stop. */
async function main(): Promise<void> {
  const config = loadConfig();
  const egressProxy = egressProxyFromEnvironment(process.env);
  const logger = pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'headers.authorization'],
  });
  const secrets = await loadSecrets(config);
  if (config.devLogin && (!config.development || !isLoopback(config.host))) {
    logger.warn('RINGKIT_DEV_LOGIN is on where others can reach the sender: anyone can sign in as anyone');
  }
  for (const file of secrets.generated) logger.warn({ file }, 'generated a secret on first run (mode 0600): keep it, and never commit it');
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (err) => logger.warn({ err }, 'database connection lost: reconnecting on next use'),
  });
  const app = await buildApp({
    config,
    secrets,
    store,
    logger,
    egressProxy,
    ...(config.tls ? { https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } } : {}),
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new requests, finishing rings and webhook events in flight');
    const timer = setTimeout(() => {
      logger.error('rings did not finish in time: exiting anyway');
      process.exit(1);
    }, DRAIN_TIMEOUT_MS + 2000);
    timer.unref();
    await app.close(DRAIN_TIMEOUT_MS);
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const address = await app.http.listen({ port: config.port, host: config.host });
  logger.info(
    { address, store: store.kind, pushHosts: config.pushHosts, ttl: config.ttlSeconds, development: config.development },
    'RingKit sender listening',
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`ringkit: ${err.message}\n`);
  } else {
    process.stderr.write(`ringkit: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
