/** When a ring arrives too late to ring: the worker shows it as missed, the page's ringer stays quiet. */
import type { IncomingCallPayload } from '../protocol/payload';

/**
 * How long a ring without ringUntil (the seed's payload) is still worth
 * ringing after it was placed: the longest TTL a sender may use (design.md).
 */
export const SEED_RING_WINDOW_MS = 60_000;

/** A ring delivered after the caller gave up (a device offline, a queued push). */
export function isLateRing(payload: IncomingCallPayload, now: number): boolean {
  if (payload.ringUntil !== undefined) return now > payload.ringUntil;
  return payload.timestamp > 0 && now > payload.timestamp + SEED_RING_WINDOW_MS;
}
