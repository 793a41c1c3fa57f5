/**
 * The RFC 8030 side both loopback push services share (Mozilla's,
 * autopush-service.ts; Google's, google-push-service.ts): the endpoint's
 * checks before a push is taken, and a browser's queue of taken pushes
 * while it is away. Each service keeps only its own wire protocol.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { checkPush } from '../../test/support/push-request';

export type MessageFate = 'queued' | 'sent' | 'acked' | 'replaced' | 'expired';

/** What the queue needs of a message. */
export interface Queued {
  topic: string | undefined;
  /** on the service's clock */
  expiresAt: number;
  fate: MessageFate;
}

/**
 * Adds a taken message to a browser's queue. RFC 8030 §5.4: a queued message
 * of the same subscription with the same Topic is replaced (and marked so).
 */
export function enqueue<M extends Queued>(queue: M[], message: M, sameSubscription: (m: M) => boolean): M[] {
  if (message.topic) for (const queued of queue) if (sameSubscription(queued) && queued.topic === message.topic) queued.fate = 'replaced';
  return [...queue.filter((m) => m.fate === 'queued'), message];
}

/** RFC 8030 §5.2: messages past their TTL leave the queue, marked expired. */
export function dropExpired<M extends Queued>(queue: M[], now: number): M[] {
  for (const message of queue) if (now > message.expiresAt) message.fate = 'expired';
  return queue.filter((m) => m.fate === 'queued');
}

export interface EndpointRules {
  /** the push resource's path; its first group is the subscription's id */
  path: RegExp;
  /** the push service's origin: the VAPID audience */
  origin: string;
  maxBodyBytes: number;
  /** the subscription was dropped: 410 */
  gone(id: string): boolean;
  /** the VAPID key the subscription was made with (null: none); undefined for an unknown subscription (404) */
  keyOf(id: string): string | null | undefined;
  messages: { gone: string; unknown: string };
}

export type EndpointVerdict =
  /** not a push resource, or not a POST: no subscription is named */
  | { status: number; headers?: Record<string, string> }
  /** a subscription's push, refused */
  | { id: string; status: number; error: string }
  /** a subscription's push, to be taken */
  | { id: string; accepted: { ttl: number; topic: string | undefined; encoding: string | undefined } };

/** The endpoint's checks, in RFC 8030's order: the resource, the method, the subscription, then the push itself (VAPID, TTL, Topic, body). */
export async function judgePost(req: IncomingMessage | Http2ServerRequest, body: Buffer, rules: EndpointRules): Promise<EndpointVerdict> {
  const match = rules.path.exec(new URL(req.url ?? '/', rules.origin).pathname);
  if (!match) return { status: 404 };
  if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' } };
  const id = match[1]!;
  if (rules.gone(id)) return { id, status: 410, error: rules.messages.gone };
  const key = rules.keyOf(id);
  if (key === undefined) return { id, status: 404, error: rules.messages.unknown };
  const checked = await checkPush(req, body, { audience: rules.origin, key, maxBodyBytes: rules.maxBodyBytes });
  if ('refused' in checked) return { id, ...checked.refused };
  const { ttl, topic, encoding } = checked.accepted;
  return { id, accepted: { ttl, topic, encoding } };
}
