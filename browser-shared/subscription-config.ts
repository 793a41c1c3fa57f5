/**
 * What the worker needs to re-register a push subscription on its own
 * (pushsubscriptionchange fires with no page open). The app stores it after
 * subscribing, either by posting `set_subscription_config` (messages.ts) or
 * through the settings store (call-log.ts).
 */
export interface SubscriptionConfig {
  /** origin of the sender API, e.g. "https://push.example.com"; the worker's own origin when absent */
  senderUrl?: string;
  /** VAPID public key, base64url (GET /api/push/public-key) */
  vapidPublicKey: string;
  /** the user token (HS256 JWT) the app registered the subscription with */
  userToken: string;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks a config that crossed a trust boundary (a page message, an old database). */
export function parseSubscriptionConfig(value: unknown): SubscriptionConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (!nonEmpty(o.vapidPublicKey) || !nonEmpty(o.userToken)) return undefined;
  const config: SubscriptionConfig = { vapidPublicKey: o.vapidPublicKey, userToken: o.userToken };
  if (nonEmpty(o.senderUrl)) {
    const origin = originOf(o.senderUrl);
    if (!origin) return undefined;
    config.senderUrl = origin;
  }
  return config;
}

/** The sender's base URL: the configured origin (no path, no trailing slash) or the worker's own. */
export function senderBaseUrl(config: SubscriptionConfig | undefined, selfOrigin: string): string {
  return (config?.senderUrl && originOf(config.senderUrl)) || selfOrigin;
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}
