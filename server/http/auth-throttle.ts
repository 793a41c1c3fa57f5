import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors';

export interface AuthThrottleOptions {
  /** failed authentications one client address may make per window before it is refused */
  maxFailures: number;
  windowMs: number;
  /** addresses remembered at once; the oldest windows are dropped first */
  maxAddresses?: number;
}

/**
 * Slows guessing of every credential the sender takes (API key, user tokens,
 * decline tokens, the webhook's Basic password): each 401 counts against the
 * client address, and once an address is over the limit every request of it
 * that carries credentials is answered 429 before they are checked, so even
 * the right guess no longer tells. Other addresses are not slowed.
 * Per instance, like the request limits.
 */
export function registerAuthThrottle(app: FastifyInstance, o: AuthThrottleOptions): void {
  const failures = new FailureCounter(o.windowMs, o.maxAddresses ?? 100_000);
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization === undefined) return;
    const retryAfterMs = failures.blockedFor(request.ip, o.maxFailures);
    if (retryAfterMs > 0) {
      const seconds = Math.ceil(retryAfterMs / 1000);
      reply.header('Retry-After', String(seconds));
      throw new ApiError(429, 'rate_limited', `too many failed authentications from this address: try again in ${seconds} s`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) failures.add(request.ip);
  });
}

/** Failures per key in fixed windows, bounded in memory. */
class FailureCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  add(key: string, now = Date.now()): void {
    const w = this.current(key, now);
    if (w) {
      w.count += 1;
      return;
    }
    if (this.windows.size >= this.maxKeys) this.evict(now);
    this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  /** ms until the key may try again, 0 when it may now */
  blockedFor(key: string, max: number, now = Date.now()): number {
    const w = this.current(key, now);
    return w && w.count >= max ? w.resetAt - now : 0;
  }

  private current(key: string, now: number) {
    const w = this.windows.get(key);
    if (w && w.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  private evict(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    // Still full: drop the oldest (a Map iterates in insertion order).
    while (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }
}
