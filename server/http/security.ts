import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * What the PWA's pages may load, as a Content-Security-Policy. The app, its
 * worker, manifest, icons and ringtone are all same-origin. The CometChat
 * calls SDK is bundled as a same-origin chunk, but once a call is joined it
 * talks to CometChat's hosts (https: and wss:, hosts that vary by region),
 * plays and shows media streams as blob: URLs, loads avatars over https: and
 * injects its own styles: hence those allowances and no more. Nothing inline
 * runs (no 'unsafe-inline' scripts, no eval).
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
  mediaSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'", 'https:', 'wss:'],
  workerSrc: ["'self'", 'blob:'],
  manifestSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * CORS for the allow-listed origins only (none: same-origin only, and the
 * browser refuses cross-origin reads), and security headers with the CSP on
 * every response: the PWA's pages, its worker script (whose own response sets
 * the worker's policy) and the API alike.
 */
export async function registerSecurity(app: FastifyInstance, o: { corsOrigins: readonly string[] }): Promise<void> {
  const allowed = new Set(o.corsOrigins);
  await app.register(cors, {
    // A function, not the list: an origin outside it gets no CORS headers at all.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });
  await app.register(helmet, {
    // No defaults: 'upgrade-insecure-requests' would break the loopback http:// development origin.
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Other origins' pages may embed the app's files (the ringtone, icons) only when CORS admits them.
    crossOriginResourcePolicy: { policy: allowed.size > 0 ? 'cross-origin' : 'same-origin' },
    // A sender's domain is the customer's: do not pin HSTS onto their other subdomains.
    strictTransportSecurity: { maxAge: 180 * 24 * 3600, includeSubDomains: false },
  });
}
