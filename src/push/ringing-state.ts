/**
 * The enable-ringing flow as one state derived from facts, so the UI renders
 * exactly one card and every combination is unit-tested.
 */
import type { Platform, Verdict } from '../platform/detect';

export type RingingProblem =
  /** the sender did not answer (offline, wrong address) */
  | 'sender-unreachable'
  /** the browser's push service did not give a subscription */
  | 'subscribe-failed'
  /** the sender refused the subscription (its message says why) */
  | 'sender-refused'
  /** the user token is missing or expired */
  | 'signed-out'
  /** no service worker took control */
  | 'no-worker';

export type RingingState =
  | { name: 'checking' }
  | { name: 'unsupported'; reason: Extract<Verdict, { kind: 'cannot-ring' }>['reason'] }
  | { name: 'needs-install' }
  | { name: 'ready' }
  | { name: 'enabling' }
  | { name: 'on' }
  | { name: 'blocked' }
  | { name: 'error'; problem: RingingProblem; detail?: string };

export interface RingingFacts {
  platform: Platform | undefined;
  /** Notification.permission (spelled out: this module type-checks without DOM libs) */
  permission: 'default' | 'denied' | 'granted' | 'unsupported';
  /** this browser holds a push subscription made with the sender's key */
  subscribed: boolean;
  /** the sender confirmed it holds that subscription for the signed-in user */
  registered: boolean;
  /** the worker is ready and the sender's key known: a click can reach the prompt at once */
  prepared: boolean;
  /** a subscribe or unsubscribe is under way */
  busy: boolean;
  problem?: { problem: RingingProblem; detail?: string };
}

export function ringingState(f: RingingFacts): RingingState {
  if (!f.platform) return { name: 'checking' };
  const { verdict } = f.platform;
  if (verdict.kind === 'cannot-ring') return { name: 'unsupported', reason: verdict.reason };
  if (verdict.kind === 'needs-install') return { name: 'needs-install' };
  if (f.permission === 'denied') return { name: 'blocked' };
  if (f.busy) return { name: 'enabling' };
  if (f.problem) return { name: 'error', ...f.problem };
  if (!f.prepared) return { name: 'checking' };
  if (f.permission === 'granted' && f.subscribed && f.registered) return { name: 'on' };
  return { name: 'ready' };
}
