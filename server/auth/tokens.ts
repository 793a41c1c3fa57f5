import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** Why a token was refused; routes turn it into a 401. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: 'token_missing' | 'token_invalid' | 'token_expired',
    message: string,
  ) {
    super(message);
  }
}

const DECLINE_AUDIENCE = 'ringkit:decline';
/** Longest a user token may live, from its iat or from now: a leaked token must not work for years. */
export const USER_TOKEN_MAX_AGE_S = 24 * 3600;
/** Clocks of the customer's backend and the sender may differ this much. */
export const CLOCK_SKEW_S = 30;

/**
 * User tokens (HS256, sub = uid, exp; minted by the customer's backend with
 * RINGKIT_AUTH_SECRET) and decline tokens (minted here, carried in the ring's
 * payload so the worker can decline without a user session).
 * Decline tokens are signed with a key derived from the secret, so neither
 * kind of token can pass for the other.
 */
export class Tokens {
  private readonly userKey: Uint8Array;
  private readonly declineKey: Uint8Array;
  private readonly declineSigner: (claims: Record<string, unknown>) => string;

  constructor(
    authSecret: string,
    private readonly userTokenMaxAgeS = USER_TOKEN_MAX_AGE_S,
  ) {
    this.userKey = new TextEncoder().encode(authSecret);
    this.declineKey = createHmac('sha256', authSecret).update('ringkit/decline-token/v1').digest();
    // No iat: the ring's deadline (exp) is all a decline token says about time.
    this.declineSigner = createSigner({ key: Buffer.from(this.declineKey), algorithm: 'HS256', noTimestamp: true });
  }

  /** The user a token names; `name` is an optional display-name claim. */
  async verifyUser(token: string | undefined): Promise<{ uid: string; name?: string }> {
    const { payload } = await verify(token, this.userKey, {});
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 128) {
      throw new TokenError('token_invalid', 'the user token has no valid sub (the user id)');
    }
    // Audiences are separate: a token meant for RingKit's own use is never a user token.
    const audiences = payload.aud === undefined ? [] : [payload.aud].flat();
    if (audiences.some((a) => typeof a === 'string' && a.startsWith('ringkit:'))) {
      throw new TokenError('token_invalid', 'this token is not a user token');
    }
    const now = Math.floor(Date.now() / 1000);
    const { exp, iat } = payload;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new TokenError('token_invalid', 'the user token must carry a finite exp');
    if (iat !== undefined && (!Number.isFinite(iat) || iat > now + CLOCK_SKEW_S)) {
      throw new TokenError('token_invalid', 'the user token was issued in the future (iat): check the clock of the backend that minted it');
    }
    const issued = iat === undefined ? now : Math.min(iat, now);
    if (exp - issued > this.userTokenMaxAgeS + CLOCK_SKEW_S) {
      throw new TokenError('token_invalid', `the user token lives longer than ${this.userTokenMaxAgeS / 3600} h: mint tokens that expire sooner`);
    }
    const name = typeof payload.name === 'string' && payload.name.length <= 128 ? payload.name : undefined;
    return name ? { uid: payload.sub, name } : { uid: payload.sub };
  }

  /** Only the development sign-in mints user tokens here; in production the customer's backend does. */
  signUser(uid: string, name: string, expiresAt: number): Promise<string> {
    return new SignJWT({ name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(uid)
      .setExpirationTime(Math.ceil(expiresAt / 1000))
      .sign(this.userKey);
  }

  /**
   * A ring's decline/answer token: it acts once through the ring record it
   * ends (CallService.answer), not by itself. Minted on every ring, so signed
   * synchronously (fast-jwt's HMAC signer): jose signs through WebCrypto, a
   * promise and a thread-pool hop per ring on the main thread. jose verifies it.
   */
  signDecline(uid: string, sessionId: string, expiresAt: number, ringUntil?: number): string {
    // `ru`, the ring's deadline, names the ring: the same session rung again is another ring.
    return this.declineSigner({ sid: sessionId, sub: uid, ...(ringUntil === undefined ? {} : { ru: ringUntil }), aud: DECLINE_AUDIENCE, exp: Math.ceil(expiresAt / 1000) });
  }

  /** The token's callee and call; `ringUntil` when it names the ring (tokens from before it did act on the session's). */
  async verifyDecline(token: string | undefined): Promise<{ uid: string; sessionId: string; ringUntil?: number }> {
    const { payload } = await verify(token, this.declineKey, { audience: DECLINE_AUDIENCE });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || (payload.ru !== undefined && typeof payload.ru !== 'number')) {
      throw new TokenError('token_invalid', 'the decline token is malformed');
    }
    return { uid: payload.sub, sessionId: payload.sid, ...(typeof payload.ru === 'number' ? { ringUntil: payload.ru } : {}) };
  }
}

async function verify(token: string | undefined, key: Uint8Array, options: { audience?: string }) {
  if (!token) throw new TokenError('token_missing', 'send Authorization: Bearer <token>');
  try {
    return await jwtVerify(token, key, { algorithms: ['HS256'], clockTolerance: CLOCK_SKEW_S, ...options });
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'the token has expired');
    throw new TokenError('token_invalid', 'the token is not valid');
  }
}

/** Constant-time comparison of secrets of any length (hashing first evens the lengths). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const m = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}
