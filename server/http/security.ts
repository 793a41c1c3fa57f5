import cors from '@fastify/cors';
import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

/** Every host the CometChat calls SDK talks to (rtc-<region>, <app>.call-<region>, cdn) is under this domain. */
const COMETCHAT_HOSTS = '*.cometchat.io';

/**
 * What the PWA's pages may load, as a Content-Security-Policy. The app, its
 * worker, manifest, icons and ringtone are all same-origin, and so is every
 * API call. The CometChat calls SDK is bundled as a same-origin chunk, but
 * once a call is joined it talks to CometChat's hosts (https and wss, hosts
 * that vary by region, all under cometchat.io), plays and shows media streams
 * as blob: URLs, loads its background images from CometChat's CDN and
 * injects its own styles: hence those allowances and no more. Nothing inline
 * runs (no 'unsafe-inline' scripts, no eval).
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:', `https://${COMETCHAT_HOSTS}`],
  mediaSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'", `https://${COMETCHAT_HOSTS}`, `wss://${COMETCHAT_HOSTS}`],
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
export async function registerSecurity(app: FastifyInstance, o: { corsOrigins: readonly string[]; connectSrc?: readonly string[] }): Promise<void> {
  const allowed = new Set(o.corsOrigins);
  await app.register(cors, {
    // A function, not the list: an origin outside it gets no CORS headers at all.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });
  // Built once: @fastify/helmet would build helmet's middleware again (parsing the CSP) on every request.
  const securityHeaders = helmet({
    // No defaults: 'upgrade-insecure-requests' would break the loopback http:// development origin.
    // RINGKIT_CONNECT_SRC adds origins the pages may call: a dedicated CometChat client host (VITE_COMETCHAT_CLIENT_HOST).
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...CONTENT_SECURITY_POLICY, connectSrc: [...(CONTENT_SECURITY_POLICY.connectSrc ?? []), ...(o.connectSrc ?? [])] },
    },
    // Other origins' pages may embed the app's files (the ringtone, icons) only when CORS admits them.
    crossOriginResourcePolicy: { policy: allowed.size > 0 ? 'cross-origin' : 'same-origin' },
    // Sent below, over HTTPS only (RFC 6797 §7.2: a browser ignores it over HTTP).
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', (request, reply, next) => securityHeaders(request.raw, reply.raw, (err) => next(err as Error | undefined)));
  app.addHook('onSend', async (request, reply) => {
    // request.protocol: the socket's, or X-Forwarded-Proto from a trusted proxy (RINGKIT_TRUST_PROXY).
    // A sender's domain is the customer's: do not pin HSTS onto their other subdomains.
    if (request.protocol === 'https') reply.header('Strict-Transport-Security', `max-age=${HSTS_MAX_AGE_S}`);
  });
}

const HSTS_MAX_AGE_S = 180 * 24 * 3600;
