import type { FastifyInstance } from 'fastify';
import { API_ROUTES } from '../../../protocol/api';
import type { Metrics } from '../../metrics/metrics';

/** GET /metrics in the Prometheus text format. */
export async function metricsRoutes(app: FastifyInstance, o: { metrics: Metrics }): Promise<void> {
  app.get(API_ROUTES.metrics, async (_request, reply) => {
    reply.header('Content-Type', o.metrics.contentType).header('Cache-Control', 'no-store');
    return o.metrics.render();
  });
}
