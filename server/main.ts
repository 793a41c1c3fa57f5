import { readFileSync } from 'node:fs';
import { buildApp } from './app';
import { ConfigError } from './config';
import { prepareSender } from './prepare';

/** How long a stopping sender waits for rings still retrying. */
const DRAIN_TIMEOUT_MS = 10_000;

/** The sender's process: configuration, logging, listening and a graceful stop. */
async function main(): Promise<void> {
  const { config, logger, logRequests, secrets, store, egressProxy } = await prepareSender(process.env);
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
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`ringkit: ${err.message}\n`);
  } else {
    process.stderr.write(`ringkit: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
