import webpush from 'web-push';

/** A push ready to POST: encrypted body and its headers. */
export interface PushRequest {
  endpoint: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
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
