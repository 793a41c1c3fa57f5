import { ECDH } from 'node:crypto';
import type { PushSubscriptionJSONBody } from '../../protocol/api';

export interface SubscriptionProblem {
  code: 'endpoint_invalid' | 'endpoint_not_allowed' | 'p256dh_invalid' | 'auth_invalid';
  message: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Checks what a browser sent before it is stored: a device the sender cannot
 * encrypt for, or an endpoint outside the known push services (SSRF: the
 * sender would POST wherever an endpoint points), must never be kept.
 */
export function checkSubscription(sub: PushSubscriptionJSONBody, allowedHosts: readonly string[]): SubscriptionProblem | undefined {
  let url: URL;
  try {
    url = new URL(sub.endpoint);
  } catch {
    return { code: 'endpoint_invalid', message: 'endpoint must be an absolute https URL' };
  }
  if (url.protocol !== 'https:') return { code: 'endpoint_invalid', message: 'endpoint must use https' };
  if (url.username || url.password) return { code: 'endpoint_invalid', message: 'endpoint must not carry credentials' };
  if (!endpointAllowed(url, allowedHosts)) {
    return { code: 'endpoint_not_allowed', message: `push service ${url.host} is not in RINGKIT_PUSH_HOSTS` };
  }
  // RFC 8291 §3.1: the user agent's ECDH key, an uncompressed P-256 point.
  const p256dh = decode(sub.keys.p256dh);
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 0x04 || !onCurve(p256dh)) {
    return { code: 'p256dh_invalid', message: 'keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)' };
  }
  // RFC 8291 §3.2: the authentication secret is 16 octets.
  const auth = decode(sub.keys.auth);
  if (!auth || auth.length !== 16) return { code: 'auth_invalid', message: 'keys.auth must be 16 bytes, base64url' };
  return undefined;
}

/**
 * An https endpoint's host and port against the allowed entries: `host`
 * admits any port of that host, `host:port` (`[v6]:port`) that port only;
 * `*.example.com` admits subdomains of example.com.
 */
export function endpointAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const port = url.port || '443';
  return allowedHosts.some((entry) => {
    const { host, port: allowedPort } = parseHostEntry(entry);
    return (allowedPort === undefined || allowedPort === port) && hostAllowed(url.hostname, host);
  });
}

/** `*.example.com` admits subdomains of example.com; other entries match exactly. */
export function hostAllowed(hostname: string, allowed: string): boolean {
  const host = unbracket(hostname.toLowerCase());
  const pattern = unbracket(allowed.toLowerCase());
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
}

/** "host", "host:443", "[::1]:8443", "::1" (a bare IPv6 address has no port). */
function parseHostEntry(entry: string): { host: string; port: string | undefined } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
  return m ? { host: m[1]!, port: m[2] } : { host: entry.trim(), port: undefined };
}

function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

function decode(value: string): Buffer | undefined {
  return BASE64URL.test(value) ? Buffer.from(value, 'base64url') : undefined;
}

function onCurve(point: Buffer): boolean {
  try {
    ECDH.convertKey(point, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}
