/**
 * The seed's Node template, as the seed writes it: web-push's
 * sendNotification (its defaults: a fresh VAPID JWT and a new TLS connection
 * per push) for every subscription of the callee inside Promise.allSettled.
 * Both benches run this one copy: the 10,000-device fan-out (sender.ts) and
 * the concurrent calls (calls-sender.ts, behind a minimal HTTP wrapper).
 */
import webpush from 'web-push';
import type { BenchSubscription } from './subscriptions';

export const SEED_SUBJECT = 'mailto:bench@ringkit.example';
export const seedCaller = { callerName: 'Ada Lovelace', callerUid: 'ada', callType: 'video' } as const;

export function useSeedVapidKeys(keys: { publicKey: string; privateKey: string }): void {
  webpush.setVapidDetails(SEED_SUBJECT, keys.publicKey, keys.privateKey);
}

/** The seed's Topic: breaks on CometChat's dotted ids, so the benches use plain ones. */
export const seedTopic = (sessionId: string) => `call-${sessionId}`.slice(0, 32);

/** One ring the seed's way; resolves with how many pushes were accepted. */
export async function seedRing(subscriptions: readonly Pick<BenchSubscription, 'endpoint' | 'keys'>[], sessionId: string, caller: { callerName: string; callerUid: string; callType: string } = seedCaller): Promise<number> {
  const payload = JSON.stringify({ type: 'incoming_call', sessionId, ...caller, timestamp: Date.now() });
  const results = await Promise.allSettled(
    subscriptions.map((sub) => webpush.sendNotification(sub, payload, { TTL: 30, urgency: 'high', topic: seedTopic(sessionId) })),
  );
  return results.filter((r) => r.status === 'fulfilled').length;
}
