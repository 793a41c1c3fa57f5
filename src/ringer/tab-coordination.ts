/**
 * Only one tab of the app rings for a call: the one that gets the call's Web
 * Lock. The others show the call silently. Where Web Locks are missing
 * (very old browsers), every tab rings: better twice than never.
 */
import { ringLockName, TAB_CHANNEL, type TabMessage } from './ringer-state';

export interface RingClaim {
  /** this tab plays the ringtone */
  readonly ringing: boolean;
  /** lets the lock go (ringing stopped); safe to call more than once */
  release(): void;
}

export function claimRinging(sessionId: string): Promise<RingClaim> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return Promise.resolve({ ringing: true, release() {} });
  return new Promise((resolve) => {
    locks
      .request(ringLockName(sessionId), { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve({ ringing: false, release() {} });
          return undefined;
        }
        // Held until released: a closed tab releases it too.
        return new Promise<void>((release) => resolve({ ringing: true, release: () => release() }));
      })
      .catch(() => resolve({ ringing: true, release() {} }));
  });
}

/** The app's tabs tell each other when one of them answered, so the others stop showing the call. */
export function openTabChannel(onMessage: (data: unknown) => void): { post(message: TabMessage): void; close(): void } {
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} };
  const channel = new BroadcastChannel(TAB_CHANNEL);
  channel.onmessage = (e: MessageEvent) => onMessage(e.data);
  return { post: (message) => channel.postMessage(message), close: () => channel.close() };
}

/** One message to the other tabs, from a page without a ringer of its own (the call screen). */
export function announceHandled(message: TabMessage): void {
  const tabs = openTabChannel(() => {});
  tabs.post(message);
  tabs.close();
}
