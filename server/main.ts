import { readFileSync } from 'node:fs';
import { buildApp } from './app';
import { ConfigError, isLoopback, loadConfig } from './config';
import { createLogger } from './logger';
import { egressProxyFromEnvironment } from './push/egress-proxy';
import { loadSecrets } from './secrets';
import { openStore } from './store/open-store';

/** How long a stopping sender waits for rings still retrying. */
const DRAIN_TIMEOUT_MS = 10_000;

/** The sender's process: configuration, logging, listening and a graceful stop. */
async function main(): Promise<void> {
  const config = loadConfig();
  const egressProxy = egressProxyFromEnvironment(process.env);
  const { logger, logRequests } = createLogger(config);
  const secrets = await loadSecrets(config);
  if (config.devLogin && !isLoopback(config.host)) {
    logger.warn('RINGKIT_DEV_LOGIN is on and the sender listens beyond this machine: its development routes still answer only direct requests from this machine');
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
    logRequests,
    egressProxy,
    ...(config.tls ? { https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } } : {}),
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new requests, finishing rings and webhook events in flight');
    app.startDraining();
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
  // The metrics' own port (RINGKIT_METRICS_PORT): for the scraper, not the load balancer.
  const metricsAddress = config.metrics?.port !== undefined ? await app.metricsHttp?.listen({ port: config.metrics.port, host: config.host }) : undefined;
  logger.info(
    { address, metricsAddress, store: store.kind, pushHosts: config.pushHosts, ttl: config.ttlSeconds, development: config.development, appUrl: config.appUrl ?? address },
    `RingKit sender listening on ${address}`,
  );
  if (!config.appUrl && !config.development) {
    logger.warn({ address }, "RINGKIT_APP_URL is unset: Safari's ring notifications link to the sender's own address; set it to the app's public origin");
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`ringkit: ${err.message}\n`);
  } else {
    process.stderr.write(`ringkit: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
