/**
 * What every way of running the sender needs before it can build its routes:
 * the configuration from the environment (design.md's names), the logger, the
 * secrets (made on first run in development), the store and the egress proxy.
 * The bin (main.ts) and createSender (index.ts) both start here.
 */
import type { Logger } from 'pino';
import { isLoopback, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { egressProxyFromEnvironment, type EgressProxy } from './push/egress-proxy';
import { loadSecrets, type Secrets } from './secrets';
import { openStore } from './store/open-store';
import type { DeviceStore } from './store/types';

export interface Prepared {
  config: Config;
  logger: Logger;
  logRequests: boolean;
  secrets: Secrets;
  store: DeviceStore;
  egressProxy: EgressProxy | undefined;
}

export async function prepareSender(env: NodeJS.ProcessEnv, logger?: Logger): Promise<Prepared> {
  const config = loadConfig(env);
  const egressProxy = egressProxyFromEnvironment(env);
  const own = logger ? { logger, logRequests: true } : createLogger(config);
  const secrets = await loadSecrets(config);
  if (config.devLogin && !isLoopback(config.host)) {
    own.logger.warn('RINGKIT_DEV_LOGIN is on and the sender listens beyond this machine: its development routes still answer only direct requests from this machine');
  }
  if (!config.appUrl && !config.development) {
    own.logger.warn("RINGKIT_APP_URL is unset: Safari's ring notifications link to the sender's own address; set it to the app's public origin");
  }
  for (const file of secrets.generated) own.logger.warn({ file }, 'generated a secret on first run (mode 0600): keep it, and never commit it');
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (err) => own.logger.warn({ err }, 'database connection lost: reconnecting on next use'),
  });
  return { config, ...own, secrets, store, egressProxy };
}
