import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Push services the sender may post to unless RINGKIT_PUSH_HOSTS says otherwise (SSRF guard). */
export const PUBLIC_PUSH_HOSTS = [
  'fcm.googleapis.com', // Chrome, Edge on Android, Opera, Samsung Internet
  'updates.push.services.mozilla.com', // Firefox
  'web.push.apple.com', // Safari, iOS Home Screen apps
  '*.notify.windows.com', // Edge on Windows (WNS)
];

export const TTL_MIN = 30;
export const TTL_MAX = 60;

export interface Config {
  /** true unless NODE_ENV=production */
  development: boolean;
  port: number;
  host: string;
  dataDir: string;
  /** the built PWA to serve; the API alone when it holds no index.html */
  webDir: string;
  databaseUrl: string | undefined;
  vapid: { publicKey: string | undefined; privateKey: string | undefined; subject: string };
  apiKey: string | undefined;
  authSecret: string | undefined;
  pushHosts: string[];
  /** other origins whose pages may call the API (CORS); empty: same-origin only */
  corsOrigins: string[];
  tls: { certFile: string; keyFile: string } | undefined;
  /** the sender sits behind a TLS-terminating proxy */
  trustProxy: boolean;
  ttlSeconds: number;
  logLevel: string;
  /**
   * The development sign-in and call endpoints (anyone can claim any name):
   * RINGKIT_DEV_LOGIN, on by default only in development on a loopback address.
   */
  devLogin: boolean;
  /**
   * RINGKIT_APP_URL: the app's origin, which links inside pushes open
   * (Declarative Web Push `navigate`); undefined: the sender's own origin.
   */
  appUrl: string | undefined;
  /** Basic auth credentials of POST /api/webhooks/cometchat; the route is off when unset */
  cometchatWebhook: { user: string; password: string } | undefined;
}

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
  const development = env.NODE_ENV !== 'production';
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

  const trustProxy = parseFlag(env.RINGKIT_TRUST_PROXY, 'RINGKIT_TRUST_PROXY', false);
  const tls = certFile && keyFile ? { certFile, keyFile } : undefined;
  // Push only works on secure origins: a production sender on plain HTTP is
  // only reachable safely from this machine, or through a TLS proxy.
  if (!development && !tls && !trustProxy && !isLoopback(host)) {
    throw new ConfigError(
      `refusing plain HTTP on ${host} in production: set TLS_CERT_FILE and TLS_KEY_FILE, or RINGKIT_TRUST_PROXY=1 behind a TLS-terminating proxy`,
    );
  }

  const pushHosts = env.RINGKIT_PUSH_HOSTS?.trim()
    ? env.RINGKIT_PUSH_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
    : PUBLIC_PUSH_HOSTS;

  const corsOrigins = parseOrigins(env.RINGKIT_CORS_ORIGINS);

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
    apiKey: env.RINGKIT_API_KEY || undefined,
    authSecret: env.RINGKIT_AUTH_SECRET || undefined,
    pushHosts,
    corsOrigins,
    tls,
    trustProxy,
    ttlSeconds: parseIntIn(env.RINGKIT_TTL ?? String(TTL_MIN), 'RINGKIT_TTL', TTL_MIN, TTL_MAX),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    // Anyone who reaches it can claim any user: by default only where nobody else can reach it.
    devLogin: parseFlag(env.RINGKIT_DEV_LOGIN, 'RINGKIT_DEV_LOGIN', development && isLoopback(host) && !trustProxy),
    cometchatWebhook: webhookUser && webhookPassword ? { user: webhookUser, password: webhookPassword } : undefined,
  };
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
function parseOrigins(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  return entries.map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || entry.includes('*') || !/^https?:$/.test(url.protocol) || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(`RINGKIT_CORS_ORIGINS takes origins like https://app.example.com (no path, no wildcard), got ${JSON.stringify(entry)}`);
    }
    return url.origin;
  });
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
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
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

