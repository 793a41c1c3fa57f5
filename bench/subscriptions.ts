import { readFileSync, writeFileSync } from 'node:fs';
import { makeTestSubscription, type TestSubscription } from '../test/support/subscriptions';

/** A browser's subscription as the bench hands it to both senders: real P-256 keys, an endpoint on the bench's push service. */
export interface BenchSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface GeneratedSubscriptions {
  subscriptions: BenchSubscription[];
  /** decrypts a body sent to that subscription, to check the pushes are real */
  decrypt(id: string, body: Buffer): string;
}

export function generateSubscriptions(origin: string, n: number): GeneratedSubscriptions {
  const made = new Map<string, TestSubscription>();
  const subscriptions = Array.from({ length: n }, (_, i) => {
    const id = `d${i}`;
    const test = makeTestSubscription(`${origin}/push/${id}`);
    made.set(id, test);
    return { id, endpoint: test.subscription.endpoint, keys: test.subscription.keys };
  });
  return { subscriptions, decrypt: (id, body) => made.get(id)!.decrypt(body) };
}

export function saveSubscriptions(file: string, subscriptions: BenchSubscription[]): void {
  writeFileSync(file, JSON.stringify(subscriptions));
}

export function loadSubscriptions(file: string, n: number): BenchSubscription[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as BenchSubscription[]).slice(0, n);
}
