/**
 * What a push service reads from a push request: RFC 8030 headers and the
 * RFC 8292 (VAPID) authorization. Shared by the loopback push services of the
 * sender's tests and of the browser tests.
 */
import type { IncomingMessage } from 'node:http';
import { compactVerify, decodeJwt, importJWK } from 'jose';

/** A request header as one string (HTTP/1.1 or HTTP/2 request alike). */
export function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The TTL header in seconds; NaN when present but not a non-negative integer. */
export function parseTtl(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

export interface VapidVerdict {
  valid: boolean;
  error?: string;
  /** Unverified claims when the JWT could be decoded at all (so tests can see what was sent). */
  claims?: { aud?: unknown; exp?: unknown; sub?: unknown };
  /** The `k=` parameter as sent (base64url uncompressed P-256 point). */
  publicKey?: string;
}

const MAX_VAPID_LIFETIME_S = 24 * 60 * 60;

export const KEY_MISMATCH = 'k does not match the expected application server key';

/** Parses `vapid t=<jwt>, k=<key>` (RFC 8292 §3). */
function parseVapidAuthorization(value: string): { t?: string; k?: string } | undefined {
  const match = /^vapid\s+(.*)$/is.exec(value.trim());
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    params[name] = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { t: params['t'], k: params['k'] };
}

export async function verifyVapid(
  authorization: string | undefined,
  audience: string,
  expectedKey: string | null = null,
): Promise<VapidVerdict> {
  if (!authorization) return { valid: false, error: 'missing Authorization header' };
  const params = parseVapidAuthorization(authorization);
  if (!params) return { valid: false, error: 'Authorization scheme is not "vapid"' };
  const { t, k } = params;
  if (!t || !k) return { valid: false, error: 'vapid Authorization lacks t= or k=', publicKey: k };

  const verdict: VapidVerdict = { valid: false, publicKey: k };
  try {
    const claims = decodeJwt(t);
    verdict.claims = { aud: claims.aud, exp: claims.exp, sub: claims.sub };
  } catch (error) {
    return { ...verdict, error: `t is not a JWT: ${message(error)}` };
  }

  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 0x04) {
    return { ...verdict, error: 'k is not an uncompressed P-256 point (65 bytes, 0x04 prefix)' };
  }
  const signed = `${k} ${t}`;
  if (!verifiedSignatures.has(signed)) {
    const failed = await signatureError(t, point);
    if (failed) return { ...verdict, error: failed };
    if (verifiedSignatures.size >= 256) verifiedSignatures.clear();
    verifiedSignatures.add(signed);
  }

  const { aud, exp, sub } = verdict.claims ?? {};
  if (aud !== audience) return { ...verdict, error: `aud ${JSON.stringify(aud)} is not ${audience}` };
  const now = Math.ceil(Date.now() / 1000);
  if (typeof exp !== 'number') return { ...verdict, error: 'exp is missing' };
  if (exp <= Date.now() / 1000) return { ...verdict, error: `exp ${exp} is in the past` };
  if (exp > now + MAX_VAPID_LIFETIME_S) return { ...verdict, error: `exp ${exp} is more than 24 h ahead` };
  if (typeof sub !== 'string' || !isContactUri(sub)) {
    return { ...verdict, error: `sub ${JSON.stringify(sub)} is not a mailto: or https: URL` };
  }
  if (expectedKey !== null && !point.equals(Buffer.from(expectedKey, 'base64url'))) return { ...verdict, error: KEY_MISMATCH };
  return { valid: true, claims: verdict.claims, publicKey: k };
}

/**
 * (k, t) pairs whose signature verified. A sender reuses one VAPID header for
 * many pushes (RFC 8292 allows it), and ES256 verification is most of what a
 * push costs this push service: the soak's load shares the cores with the
 * sender. The claims (aud, exp, sub, the key) are still checked on every push.
 */
const verifiedSignatures = new Set<string>();

/** Why the JWT's signature does not verify with k, or undefined when it does. */
async function signatureError(t: string, point: Buffer): Promise<string | undefined> {
  try {
    const publicKey = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33, 65).toString('base64url'),
      },
      'ES256',
    );
    // Signature only; the caller checks the claims, so each failure gets its own message.
    await compactVerify(t, publicKey, { algorithms: ['ES256'] });
    return undefined;
  } catch (error) {
    return `JWT signature does not verify with k: ${message(error)}`;
  }
}

function isContactUri(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'mailto:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a push service takes from a push it accepts (RFC 8030). */
export interface AcceptedPush {
  ttl: number;
  topic: string | undefined;
  encoding: string | undefined;
}

/**
 * A push service's checks on one push to a known subscription: the VAPID JWT
 * for `audience` (with the key the browser registered, when known), a TTL,
 * the body size. The refusal as status and reason, or what it accepted.
 */
export async function checkPush(
  req: Pick<IncomingMessage, 'headers'>,
  body: Buffer,
  { audience, key, maxBodyBytes }: { audience: string; key: string | null; maxBodyBytes: number },
): Promise<{ refused: { status: number; error: string } } | { accepted: AcceptedPush }> {
  const vapid = await verifyVapid(header(req, 'authorization'), audience, key);
  if (!vapid.valid) return { refused: { status: vapid.error === KEY_MISMATCH ? 403 : 401, error: vapid.error ?? 'invalid VAPID' } };
  const ttl = parseTtl(header(req, 'ttl'));
  if (ttl === undefined || Number.isNaN(ttl)) return { refused: { status: 400, error: 'TTL header missing or not a number' } };
  if (body.length > maxBodyBytes) return { refused: { status: 413, error: `payload of ${body.length} bytes exceeds ${maxBodyBytes}` } };
  return { accepted: { ttl, topic: header(req, 'topic'), encoding: header(req, 'content-encoding') } };
}
