import type { FastifyInstance } from 'fastify';
import { API_ROUTES, type HealthResponse } from '../../../protocol/api';
import type { DeviceStore } from '../../store/types';

const STORE_PING_TIMEOUT_MS = 2000;

export async function healthRoutes(app: FastifyInstance, o: { store: DeviceStore }): Promise<void> {
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
