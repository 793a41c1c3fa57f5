import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Push services the sender may post to unless RINGKIT_PUSH_HOSTS says
 * otherwise (SSRF guard), on the HTTPS port only: an endpoint naming another
 * port of these hosts is no push service's.
 */
export const PUBLIC_PUSH_HOSTS = [
  'fcm.googleapis.com:443', // Chrome, Edge on Android, Opera, Samsung Internet
  'updates.push.services.mozilla.com:443', // Firefox
  'web.push.apple.com:443', // Safari, iOS Home Screen apps
  '*.notify.windows.com:443', // Edge on Windows (WNS)
];

export const TTL_MIN = 30;
export const TTL_MAX = 60;

export interface Config {
  /** NODE_ENV unset, `development` or `test`; anything else is production */
  development: boolean;
  port: number;
  host: string;
  dataDir: string;
  /** the built PWA to serve; the API alone when it holds no index.html, or when unset (a host serves its own pages) */
  webDir: string | undefined;
  databaseUrl: string | undefined;
  vapid: { publicKey: string | undefined; privateKey: string | undefined; subject: string };
  apiKey: string | undefined;
  authSecret: string | undefined;
  pushHosts: string[];
  /** other origins whose pages may call the API (CORS); empty: same-origin only */
  corsOrigins: string[];
  /** RINGKIT_CONNECT_SRC: origins beyond the app and CometChat's cloud that the app's pages may call (its CSP connect-src) */
  connectSrc: string[];
  tls: { certFile: string; keyFile: string } | undefined;
  /**
   * The TLS-terminating proxies in front (RINGKIT_TRUST_PROXY): false, a hop
   * count, or their addresses. Only what they appended to X-Forwarded-For counts.
   */
  trustProxy: TrustProxy;
  ttlSeconds: number;
  logLevel: string;
  /**
   * The development sign-in and call endpoints (anyone can claim any name):
   * RINGKIT_DEV_LOGIN, on by default only in development on a loopback address.
   */
  devLogin: boolean;
  /** RINGKIT_MAX_DEVICES_PER_USER: devices kept per user; the one longest without a delivery goes first */
  maxDevicesPerUser: number;
  /**
   * RINGKIT_APP_URL: the app's origin, which links inside pushes open
   * (Declarative Web Push `navigate`); undefined: the sender's own origin.
   */
  appUrl: string | undefined;
  /** Basic auth credentials of POST /api/webhooks/cometchat; the route is off when unset */
  cometchatWebhook: { user: string; password: string } | undefined;
  /** CometChat's REST API, for the members of a Webhooks group call (COMETCHAT_APP_ID, COMETCHAT_REGION, COMETCHAT_REST_API_KEY) */
  cometchatRest: { appId: string; region: string; apiKey: string; baseUrl?: string } | undefined;
  /** where signed call events go (RINGKIT_EVENTS_URL, RINGKIT_EVENTS_SECRET); none when unset */
  events: { url: string; secret: string } | undefined;
  /**
   * GET /metrics (Prometheus): off when unset; on the public port with
   * RINGKIT_METRICS=1 (port undefined); only on a port of its own with
   * RINGKIT_METRICS_PORT, never through the public one.
   */
  metrics: { port: number | undefined } | undefined;
}

export type TrustProxy = false | number | string[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEV_VAPID_SUBJECT = 'mailto:ringkit-dev@example.com';

/**
 * Reads and checks the environment (design.md, "Configuration"). Secrets that
 * are "required" may still be missing here: in development they are generated
 * into the data dir at start (see secrets.ts), in production start fails.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const development = isDevelopment(env.NODE_ENV);
  const port = parseIntIn(env.PORT ?? '8080', 'PORT', 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';

  const subject = env.VAPID_SUBJECT?.trim();
  if (!subject && !development) throw new ConfigError('VAPID_SUBJECT is required in production (mailto:you@example.com or https://your.site)');
  const vapidSubject = subject || DEV_VAPID_SUBJECT;
  const subjectProblem = checkVapidSubject(vapidSubject);
  if (subjectProblem) throw new ConfigError(`VAPID_SUBJECT ${subjectProblem}`);

  const publicKey = env.VAPID_PUBLIC_KEY?.trim() || undefined;
  const privateKey = env.VAPID_PRIVATE_KEY?.trim() || undefined;
  if (!publicKey !== !privateKey) throw new ConfigError('set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither');

  const certFile = env.TLS_CERT_FILE?.trim();
  const keyFile = env.TLS_KEY_FILE?.trim();
  if (!certFile !== !keyFile) throw new ConfigError('set both TLS_CERT_FILE and TLS_KEY_FILE, or neither');

  const trustProxy = parseTrustProxy(env.RINGKIT_TRUST_PROXY);
  const tls = certFile && keyFile ? { certFile, keyFile } : undefined;
  // Push only works on secure origins: a production sender on plain HTTP is
  // only reachable safely from this machine, or through a TLS proxy.
  if (!development && !tls && trustProxy === false && !isLoopback(host)) {
    throw new ConfigError(
      `refusing plain HTTP on ${host} in production: set TLS_CERT_FILE and TLS_KEY_FILE, or RINGKIT_TRUST_PROXY=1 behind a TLS-terminating proxy`,
    );
  }

  const pushHosts = env.RINGKIT_PUSH_HOSTS?.trim()
    ? env.RINGKIT_PUSH_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
    : PUBLIC_PUSH_HOSTS;

  const corsOrigins = parseOrigins(env.RINGKIT_CORS_ORIGINS, 'RINGKIT_CORS_ORIGINS');
  const connectSrc = parseOrigins(env.RINGKIT_CONNECT_SRC, 'RINGKIT_CONNECT_SRC');

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite store)');
  }

  const webhookUser = env.COMETCHAT_WEBHOOK_USER?.trim() || undefined;
  const webhookPassword = env.COMETCHAT_WEBHOOK_PASSWORD || undefined;
  if (!webhookUser !== !webhookPassword) {
    throw new ConfigError('set both COMETCHAT_WEBHOOK_USER and COMETCHAT_WEBHOOK_PASSWORD, or neither (the CometChat webhook is off)');
  }
  // RFC 7617: the user-id ends at the first colon, so it cannot contain one.
  if (webhookUser?.includes(':')) throw new ConfigError('COMETCHAT_WEBHOOK_USER must not contain ":"');

  const events = parseEvents(env.RINGKIT_EVENTS_URL, env.RINGKIT_EVENTS_SECRET);
  const cometchatRest = parseCometChatRest(env);
  // Anyone who reaches it can claim any user: by default only where nobody else can reach it.
  const devLogin = parseFlag(env.RINGKIT_DEV_LOGIN, 'RINGKIT_DEV_LOGIN', development && isLoopback(host) && trustProxy === false);
  if (devLogin && !development) {
    throw new ConfigError(
      `refusing to start with RINGKIT_DEV_LOGIN on in production (NODE_ENV=${env.NODE_ENV}): anyone could sign in as anyone. Unset it, or run with NODE_ENV=development on this machine only`,
    );
  }

  const apiKey = env.RINGKIT_API_KEY || undefined;
  const authSecret = env.RINGKIT_AUTH_SECRET || undefined;
  if (!development) {
    // Missing ones are reported by loadSecrets (development generates them).
    if (apiKey) assertStrongSecret('RINGKIT_API_KEY', apiKey);
    if (authSecret) assertStrongSecret('RINGKIT_AUTH_SECRET', authSecret);
    if (webhookPassword) assertStrongSecret('COMETCHAT_WEBHOOK_PASSWORD', webhookPassword);
  }
  const appUrl = parseAppUrl(env.RINGKIT_APP_URL, development);

  return {
    development,
    appUrl,
    port,
    host,
    dataDir: resolve(env.RINGKIT_DATA_DIR?.trim() || './data'),
    webDir: resolve(env.RINGKIT_WEB_DIR?.trim() || fileURLToPath(new URL('../dist', import.meta.url))),
    databaseUrl,
    vapid: { publicKey, privateKey, subject: vapidSubject },
    apiKey,
    authSecret,
    pushHosts,
    corsOrigins,
    connectSrc,
    tls,
    trustProxy,
    ttlSeconds: parseIntIn(env.RINGKIT_TTL ?? String(TTL_MIN), 'RINGKIT_TTL', TTL_MIN, TTL_MAX),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    devLogin,
    maxDevicesPerUser: parseIntIn(env.RINGKIT_MAX_DEVICES_PER_USER ?? '20', 'RINGKIT_MAX_DEVICES_PER_USER', 1, 1000),
    cometchatWebhook: webhookUser && webhookPassword ? { user: webhookUser, password: webhookPassword } : undefined,
    events,
    cometchatRest,
    metrics: parseMetrics(env, port),
  };
}

/** All three, or none; COMETCHAT_API_URL replaces CometChat's REST host (a dedicated deployment, or a test's stand-in). */
function parseCometChatRest(env: NodeJS.ProcessEnv): Config['cometchatRest'] {
  const appId = env.COMETCHAT_APP_ID?.trim();
  const region = env.COMETCHAT_REGION?.trim();
  const apiKey = env.COMETCHAT_REST_API_KEY?.trim();
  if (!appId && !region && !apiKey) return undefined;
  if (!appId || !region || !apiKey) throw new ConfigError('set COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_REST_API_KEY together, or none (group calls from Webhooks then ring nobody)');
  if (!/^[A-Za-z0-9]+$/.test(appId) || !/^[a-z]{2,8}$/.test(region)) throw new ConfigError('COMETCHAT_APP_ID is letters and digits, COMETCHAT_REGION a region such as us, eu or in');
  const baseUrl = env.COMETCHAT_API_URL?.trim().replace(/\/$/, '');
  if (baseUrl) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) throw new ConfigError('COMETCHAT_API_URL must be https (http only for a loopback address)');
  }
  return { appId, region, apiKey, ...(baseUrl ? { baseUrl } : {}) };
}

/** Standard Webhooks secrets: whsec_ and the base64 of the key; at least this many random bytes. */
export const EVENTS_SECRET_MIN_BYTES = 24;
const EVENTS_SECRET_HOW = `generate one with: node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))"`;

/**
 * RINGKIT_EVENTS_URL must be https (http only on this machine: the events
 * carry who called whom), and its secret strong whatever the environment:
 * the receiver trusts what it signs.
 */
function parseEvents(rawUrl: string | undefined, rawSecret: string | undefined): Config['events'] {
  const url = rawUrl?.trim();
  const secret = rawSecret?.trim();
  if (!url) {
    if (secret) throw new ConfigError('RINGKIT_EVENTS_SECRET is set but RINGKIT_EVENTS_URL is not: set both, or neither (no call events)');
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`RINGKIT_EVENTS_URL must be a URL like https://backend.example.com/ringkit-events, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    throw new ConfigError('RINGKIT_EVENTS_URL must be https (http only for a loopback address)');
  }
  if (!secret) throw new ConfigError(`RINGKIT_EVENTS_URL is set, so RINGKIT_EVENTS_SECRET is required (a Standard Webhooks secret, whsec_…): ${EVENTS_SECRET_HOW}`);
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)?.[1];
  if (!key || Buffer.from(key, 'base64').length < EVENTS_SECRET_MIN_BYTES) {
    throw new ConfigError(`RINGKIT_EVENTS_SECRET must be whsec_ and the base64 of at least ${EVENTS_SECRET_MIN_BYTES} random bytes: ${EVENTS_SECRET_HOW}`);
  }
  return { url: parsed.href, secret };
}

/** RINGKIT_METRICS (1/0) and RINGKIT_METRICS_PORT (0 picks a free port, as PORT does). */
function parseMetrics(env: NodeJS.ProcessEnv, publicPort: number): Config['metrics'] {
  const rawPort = env.RINGKIT_METRICS_PORT?.trim();
  const port = rawPort ? parseIntIn(rawPort, 'RINGKIT_METRICS_PORT', 0, 65535) : undefined;
  if (port !== undefined && port !== 0 && port === publicPort) {
    throw new ConfigError('RINGKIT_METRICS_PORT must differ from PORT: metrics are never served on the public port');
  }
  const on = parseFlag(env.RINGKIT_METRICS, 'RINGKIT_METRICS', port !== undefined);
  if (!on) return undefined;
  return { port };
}

/**
 * RFC 8292 §2.1 asks for a mailto: or https: contact; Apple answers 403
 * BadJwtToken for anything else, for a localhost address and for spaces.
 * Returns what is wrong, or undefined.
 */
export function checkVapidSubject(subject: string): string | undefined {
  if (/\s/.test(subject)) return 'must not contain spaces';
  let url: URL;
  try {
    url = new URL(subject);
  } catch {
    return `must be a mailto: or https: URL, got ${JSON.stringify(subject)}`;
  }
  if (url.protocol === 'mailto:') {
    const at = url.pathname.lastIndexOf('@');
    const domain = at > 0 ? url.pathname.slice(at + 1).toLowerCase() : '';
    if (!domain) return 'must be mailto:someone@domain';
    if (domain === 'localhost' || domain.endsWith('.localhost')) return 'must not be a localhost address (Apple rejects it)';
    return undefined;
  }
  if (url.protocol === 'https:') {
    if (url.hostname === 'localhost' || isIP(url.hostname.replace(/^\[|\]$/g, ''))) return 'must name a public https site, not localhost';
    return undefined;
  }
  return 'must start with mailto: or https:';
}

/**
 * RINGKIT_CORS_ORIGINS: exact origins (scheme://host[:port]), compared as
 * browsers send them in the Origin header. No wildcard: a page on any origin
 * could then ring and read devices with a token it got hold of.
 */
function parseOrigins(raw: string | undefined, name: string): string[] {
  const entries = (raw ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  return entries.map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || entry.includes('*') || !/^https?:$/.test(url.protocol) || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(`${name} takes origins like https://app.example.com (no path, no wildcard), got ${JSON.stringify(entry)}`);
    }
    return url.origin;
  });
}

/** Shortest plain secret (RINGKIT_API_KEY, RINGKIT_AUTH_SECRET, COMETCHAT_WEBHOOK_PASSWORD) a production sender takes. */
export const MIN_SECRET_CHARS = 32;
/** Fewest random bytes behind a Standard Webhooks `whsec_<base64>` secret. */
export const MIN_WHSEC_BYTES = 24;

/**
 * Refuses a secret too short to withstand guessing: plain secrets under
 * MIN_SECRET_CHARS characters, `whsec_` secrets under MIN_WHSEC_BYTES decoded
 * bytes. The message says how to make a good one. Length is what can be
 * checked; randomness is the operator's (hence the generator in the message).
 */
export function assertStrongSecret(name: string, value: string): void {
  if (value.startsWith('whsec_')) {
    const encoded = value.slice('whsec_'.length);
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64').length : 0;
    if (bytes < MIN_WHSEC_BYTES) {
      throw new ConfigError(
        `${name} must be whsec_ followed by at least ${MIN_WHSEC_BYTES} random bytes in base64 (got ${bytes}): generate one with \`echo whsec_$(openssl rand -base64 32)\``,
      );
    }
    return;
  }
  if ([...value].length < MIN_SECRET_CHARS) {
    throw new ConfigError(
      `${name} must be at least ${MIN_SECRET_CHARS} characters (got ${[...value].length}): generate one with \`openssl rand -base64 32\``,
    );
  }
}

/** Development is asked for by name; a typo such as `prod` or `staging` is production. */
export function isDevelopment(nodeEnv: string | undefined): boolean {
  return nodeEnv === undefined || nodeEnv === '' || nodeEnv === 'development' || nodeEnv === 'test';
}

/**
 * RINGKIT_TRUST_PROXY: `1`/`true` one hop, a number that many hops, or the
 * proxies' addresses (comma list, CIDR allowed). Never "trust every hop": a
 * client could then name its own address in X-Forwarded-For.
 */
function parseTrustProxy(raw: string | undefined): TrustProxy {
  const v = raw?.trim();
  if (!v || /^(0|false|no)$/i.test(v)) return false;
  if (/^(true|yes)$/i.test(v)) return 1;
  if (/^\d+$/.test(v)) return parseIntIn(v, 'RINGKIT_TRUST_PROXY', 1, 16);
  const addresses = v.split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of addresses) {
    const [ip, bits, ...rest] = a.split('/');
    const family = isIP(ip ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (!family || rest.length > 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new ConfigError(`RINGKIT_TRUST_PROXY takes 1, a hop count, or proxy addresses (10.0.0.5, 10.0.0.0/8), got ${JSON.stringify(a)}`);
    }
  }
  return addresses;
}

/**
 * RINGKIT_APP_URL: an origin (scheme://host[:port]), https outside
 * development unless on loopback: Safari opens it from a notification, and
 * push only works on secure origins.
 */
function parseAppUrl(raw: string | undefined, development: boolean): string | undefined {
  const entry = raw?.trim();
  if (!entry) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
    throw new ConfigError(`RINGKIT_APP_URL takes the app's origin, like https://app.example.com (no path), got ${JSON.stringify(entry)}`);
  }
  if (!development && url.protocol !== 'https:' && !isLoopback(url.hostname)) {
    throw new ConfigError(`RINGKIT_APP_URL must be https:// in production (push works only on secure origins), got ${JSON.stringify(entry)}`);
  }
  return url.origin;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function parseIntIn(raw: string, name: string, min: number, max: number): number {
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function parseFlag(raw: string | undefined, name: string, fallback: boolean): boolean {
  const v = raw?.trim();
  if (!v) return fallback;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got ${JSON.stringify(raw)}`);
}

