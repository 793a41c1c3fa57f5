import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Files whose name stays the same across versions: browsers must always ask for them again. */
const UNHASHED = new Set(['/index.html', '/sw.js', '/manifest.webmanifest']);

/**
 * Serves the built PWA (dist/) from the sender's own origin, so the app, its
 * worker and the API share one secure origin. Any page path the app routes
 * (/call/<id>, /compat, …) gets index.html.
 */
export async function webAppRoutes(app: FastifyInstance, o: { dir: string }): Promise<void> {
  if (!existsSync(join(o.dir, 'index.html'))) {
    app.log.info({ dir: o.dir }, 'no built app here: serving the API only (npm run build makes one)');
    return;
  }
  await app.register(fastifyStatic, {
    root: o.dir,
    wildcard: false,
    index: false,
    setHeaders(res, path) {
      const name = path.slice(o.dir.length);
      res.header('Cache-Control', name.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : UNHASHED.has(name) ? 'no-cache' : 'public, max-age=3600');
    },
  });
  app.get('/', (_request, reply) => sendIndex(reply));
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    // A missing file is a 404, not the app; but /call/<id> is a page although
    // CometChat session ids end in something like a file extension (v1.us.<hex>).
    if (path.startsWith('/api/') || (!path.startsWith('/call/') && /\.[a-z0-9]+$/i.test(path))) return reply.callNotFound();
    return sendIndex(reply);
  });
}

function sendIndex(reply: FastifyReply) {
  return reply.header('Cache-Control', 'no-cache').type('text/html').sendFile('index.html');
}
