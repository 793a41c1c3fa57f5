/**
 * When a call event whose delivery failed is tried again: soon at first (a
 * receiver restarting), then every 10 minutes, until a day after the event,
 * when the sender gives up. Standard Webhooks receivers dedupe by
 * `webhook-id`, so a retry of an event already taken is harmless.
 */
const DELAYS_MS = [1_000, 5_000, 30_000, 2 * 60_000, 5 * 60_000, 10 * 60_000];
export const EVENT_RETRY_WINDOW_MS = 24 * 60 * 60_000;

/** The next attempt after `attempts` failed ones, or undefined when it would fall past the window. */
export function nextEventAttempt(attempts: number, createdAt: number, now: number, random: () => number = Math.random): number | undefined {
  const base = DELAYS_MS[Math.min(Math.max(attempts, 1), DELAYS_MS.length) - 1]!;
  const at = now + Math.round(base * (0.8 + 0.4 * random()));
  return at > createdAt + EVENT_RETRY_WINDOW_MS ? undefined : at;
}
