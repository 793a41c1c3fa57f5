import webpush from 'web-push';
import type { VapidKeys } from '../secrets';

/** RFC 8292 §2: exp at most 24 h ahead. Shorter, so a leaked header is worth less. */
const LIFETIME_S = 12 * 3600;
/** Re-sign this long before expiry, so no request leaves with a header about to lapse. */
const REFRESH_BEFORE_S = 3600;

/**
 * The VAPID Authorization header depends only on the push service's origin
 * (its `aud`), so it is signed once per origin and reused until shortly before
 * it expires: web-push would sign a fresh ES256 JWT for every push (~0.5 ms of
 * CPU each). Signing is still web-push's.
 */
export class VapidHeaderCache {
  private readonly byOrigin = new Map<string, { header: string; exp: number }>();

  constructor(
    private readonly keys: VapidKeys,
    private readonly now: () => number = Date.now,
  ) {}

  authorization(endpoint: string): string {
    const origin = new URL(endpoint).origin;
    const nowS = Math.floor(this.now() / 1000);
    const cached = this.byOrigin.get(origin);
    if (cached && cached.exp - REFRESH_BEFORE_S > nowS) return cached.header;
    const exp = nowS + LIFETIME_S;
    const { Authorization } = webpush.getVapidHeaders(
      origin, this.keys.subject, this.keys.publicKey, this.keys.privateKey, 'aes128gcm', exp,
    );
    this.byOrigin.set(origin, { header: Authorization, exp });
    return Authorization;
  }
}
