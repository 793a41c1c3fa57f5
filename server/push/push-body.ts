/** What each push service gets as the body of a ring or a stop. */
import { declarativeBody, type DeclaredCall } from '../../protocol/declarative';
import type { PushPayload } from '../../protocol/payload';

/**
 * Apple's push service (web.push.apple.com and its other *.push.apple.com
 * hosts) delivers to Safari, which shows a Declarative Web Push message even
 * when the worker cannot run: on iOS a push without a notification costs the
 * subscription. Other push services get RingKit's plain payload.
 */
export function showsDeclarativePush(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.toLowerCase();
  return host === 'push.apple.com' || host.endsWith('.push.apple.com');
}

/**
 * The bodies of one message by endpoint, each encoded once however many
 * devices it goes to. Without an app origin to link to, plain for all.
 */
export function pushBodies(payload: PushPayload, appOrigin: (() => string) | undefined, call: DeclaredCall = {}): (endpoint: string) => string {
  const plain = JSON.stringify(payload);
  if (!appOrigin) return () => plain;
  let declarative: string | undefined;
  return (endpoint) => (showsDeclarativePush(endpoint) ? (declarative ??= declarativeBody(payload, appOrigin(), call)) : plain);
}
