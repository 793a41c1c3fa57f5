/**
 * ringkit/sw: ringing for a host app's own service worker (Workbox or not).
 *
 *     import { installRingKitHandlers } from 'ringkit/sw';
 *     installRingKitHandlers(self);
 *
 * A worker that wires its events itself calls the handlers with
 * `ringKitContext(self)`; each handler is a plain function of that context.
 */
import { parsePushPayload } from '../protocol/payload';

export { installRingKitHandlers, ringKitContext, type InstallOptions } from './install';
export { handlePush, type PushOutcome } from './handle-push';
export { handleNotificationClick, type ClickOutcome, type ClickedNotification } from './handle-click';
export { handleNotificationClose } from './handle-close';
export { handlePageMessage } from './handle-message';
export { handleSubscriptionChange, type SubscriptionChangeOutcome } from './handle-subscription-change';
export type { SwContext } from './context';

/** Whether a push's decrypted text is one of RingKit's (a ring or a call's end): a host's own push listener leaves those alone. */
export function isRingKitPush(text: string | null): boolean {
  return parsePushPayload(text).ok;
}
