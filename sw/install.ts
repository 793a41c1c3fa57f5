/// <reference lib="webworker" />
/**
 * RingKit's worker handlers, installable on any service worker: RingKit's own
 * (sw.ts) and a host app's, which keeps its own caching and adds ringing with
 *
 *     import { installRingKitHandlers } from 'ringkit/sw';
 *     installRingKitHandlers(self);
 *
 * Every decision lives in the handlers, which take their dependencies as a
 * SwContext so tests can run them with fakes; this module only adapts the
 * worker's globals and wires the events.
 */
import { openRingKitStores } from '../browser-shared/call-log';
import type { SwContext } from './context';
import { handleNotificationClick } from './handle-click';
import { handleNotificationClose } from './handle-close';
import { handlePageMessage } from './handle-message';
import { handlePush } from './handle-push';
import { handleSubscriptionChange } from './handle-subscription-change';

export interface InstallOptions {
  /** where the handlers report what went wrong; console.warn by default */
  log?: (message: string, detail?: unknown) => void;
}

// Not in TypeScript's lib (no PushSubscriptionChangeEvent): the fields per the Push API spec.
interface PushSubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
}

/** The handlers' view of this worker's globals, for a host worker that wires the events to them itself. */
export function ringKitContext(scope: ServiceWorkerGlobalScope, options: InstallOptions = {}): SwContext {
  const stores = openRingKitStores();
  return {
    registration: {
      showNotification: (title, notificationOptions) => scope.registration.showNotification(title, notificationOptions as NotificationOptions),
      getNotifications: () => scope.registration.getNotifications(),
      pushManager: scope.registration.pushManager,
    },
    clients: {
      matchAll: (matchOptions) => scope.clients.matchAll(matchOptions),
      openWindow: (url) => scope.clients.openWindow(url),
    },
    fetch: (url, init) => fetch(url, init),
    now: () => Date.now(),
    origin: scope.location.origin,
    callLog: stores.callLog,
    settings: stores.settings,
    log: options.log ?? ((message, detail) => console.warn(`[ringkit sw] ${message}`, detail ?? '')),
    incomingCallScenario: () => typeof Notification !== 'undefined' && 'scenario' in Notification.prototype,
  };
}

/**
 * Adds RingKit's push, notificationclick, notificationclose,
 * pushsubscriptionchange and message listeners to `scope`. A host worker's own
 * push listener, if any, must leave RingKit's pushes alone (`isRingKitPush`).
 */
export function installRingKitHandlers(scope: ServiceWorkerGlobalScope, options: InstallOptions = {}): SwContext {
  const ctx = ringKitContext(scope, options);

  scope.addEventListener('message', (event) => {
    event.waitUntil(handlePageMessage(ctx, event.data, () => scope.skipWaiting()));
  });
  scope.addEventListener('push', (event) => {
    // A mutable Declarative Web Push message (Safari 18.4+) brings the notification it declares.
    const declared = (event as PushEvent & { readonly notification?: Notification | null }).notification;
    event.waitUntil(handlePush(ctx, event.data ? event.data.text() : null, declared));
  });
  scope.addEventListener('notificationclick', (event) => {
    event.waitUntil(handleNotificationClick(ctx, event.notification, event.action));
  });
  scope.addEventListener('notificationclose', (event) => {
    event.waitUntil(handleNotificationClose(ctx, event.notification));
  });
  scope.addEventListener('pushsubscriptionchange', (event) => {
    const change = event as PushSubscriptionChangeEvent;
    change.waitUntil(handleSubscriptionChange(ctx, change.oldSubscription ?? null, change.newSubscription ?? null));
  });
  return ctx;
}
