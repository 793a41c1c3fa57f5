import webpush from 'web-push';

/** A push ready to POST: encrypted body and its headers. */
export interface PushRequest {
  endpoint: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
  /**
   * ms since the epoch the push is worth nothing after: the transport sets
   * its TTL from it as the push leaves, once the connection is up (a new TLS
   * connection can take a while, and the TTL must not outlive the ring).
   */
  expiresAt?: number;
}

/** RFC 8030 TTL, whole seconds (at least 1) until `expiresAt`. */
export function ttlUntil(expiresAt: number, now = Date.now()): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 1000));
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** web-push's options for one push (plain data: they also cross to encryption workers). */
export type PushOptions = webpush.RequestOptions;

/** Every ring and call_ended: urgency high, the call's Topic, a prepared VAPID header. */
export function pushOptions(authorization: string, ttlSeconds: number, topic: string): PushOptions {
  return {
    // Signed once per origin by VapidHeaderCache: web-push would re-sign for every push.
    // Its typings do not admit `vapidDetails: null`.
    vapidDetails: null as unknown as undefined,
    headers: { Authorization: authorization },
    TTL: ttlSeconds,
    urgency: 'high', // RFC 8030 §5.3: meant for "incoming phone call"
    topic,
    contentEncoding: 'aes128gcm',
  };
}

/** web-push encrypts (aes128gcm, RFC 8291) and sets the headers; throws on keys it cannot encrypt for. */
export function encryptPush(target: PushTarget, body: string, options: PushOptions): PushRequest {
  const details = webpush.generateRequestDetails(
    { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
    body,
    options,
  );
  return { endpoint: details.endpoint, headers: details.headers as Record<string, string | number>, body: details.body as Buffer };
}
