import type { FastifyInstance } from 'fastify';
import { API_ROUTES, type HealthResponse, type ReadyResponse } from '../../../protocol/api';
import { withDeadline } from '../../push/deadline';
import { latestSchemaVersion } from '../../store/migrations';
import type { DeviceStore } from '../../store/types';

const STORE_PING_TIMEOUT_MS = 2000;

export interface HealthRoutesOptions {
  store: DeviceStore;
  /** true once the instance is stopping: it finishes what it has, and should get nothing new */
  draining: () => boolean;
}

/** /healthz: is the process alive (liveness); /readyz: should it get traffic now (a load balancer's view). */
export async function healthRoutes(app: FastifyInstance, o: HealthRoutesOptions): Promise<void> {
  app.get(API_ROUTES.health, async (request, reply): Promise<HealthResponse> => {
    try {
      await withTimeout(o.store.ping(), STORE_PING_TIMEOUT_MS);
      return { status: 'ok', store: 'ok' };
    } catch (err) {
      request.log.warn({ err }, 'store unreachable');
      reply.code(503);
      return { status: 'unavailable', store: 'unreachable' };
    }
  });

  app.get(API_ROUTES.ready, async (request, reply): Promise<ReadyResponse> => {
    const draining = o.draining();
    let version: number | undefined;
    try {
      // One query answers both: the store is reachable, and holds this build's schema.
      version = await withDeadline<number | undefined>(o.store.schemaVersion(), STORE_PING_TIMEOUT_MS, () => undefined);
    } catch (err) {
      request.log.warn({ err }, 'store unreachable: not ready');
    }
    const migrations = version !== undefined && version >= latestSchemaVersion ? 'done' : 'pending';
    const ready = !draining && migrations === 'done';
    if (!ready) reply.code(503);
    return { status: ready ? 'ready' : 'unready', store: version === undefined ? 'unreachable' : 'ok', migrations, draining };
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}
