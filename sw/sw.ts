/// <reference lib="webworker" />
/**
 * The service worker entry (vite-plugin-pwa, injectManifest): wiring only.
 * Every decision lives in the handlers, which take their dependencies as a
 * SwContext so tests can run them with fakes.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { openRingKitStores } from './call-log';
import type { SwContext } from './context';
import { handleNotificationClick } from './handle-click';
import { handleNotificationClose } from './handle-close';
import { handlePageMessage } from './handle-message';
import { handlePush } from './handle-push';
import { handleSubscriptionChange } from './handle-subscription-change';

declare let self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
try {
  // The app shell answers every navigation, so the app and /call/<id> open offline.
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/healthz/] }));
} catch (error) {
  // index.html isn't precached in a dev build: navigations go to the network.
  console.warn('[ringkit sw] no app shell route', error);
}

const stores = openRingKitStores();
const ctx: SwContext = {
  registration: {
    showNotification: (title, options) => self.registration.showNotification(title, options as NotificationOptions),
    getNotifications: () => self.registration.getNotifications(),
    pushManager: self.registration.pushManager,
  },
  clients: {
    matchAll: (options) => self.clients.matchAll(options),
    openWindow: (url) => self.clients.openWindow(url),
  },
  fetch: (url, init) => fetch(url, init),
  now: () => Date.now(),
  origin: self.location.origin,
  callLog: stores.callLog,
  settings: stores.settings,
  log: (message, detail) => console.warn(`[ringkit sw] ${message}`, detail ?? ''),
};

self.addEventListener('message', (event) => {
  event.waitUntil(handlePageMessage(ctx, event.data, () => self.skipWaiting()));
});

self.addEventListener('push', (event) => {
  event.waitUntil(handlePush(ctx, event.data ? event.data.text() : null));
});

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(handleNotificationClick(ctx, event.notification, event.action));
});

self.addEventListener('notificationclose', (event) => {
  event.waitUntil(handleNotificationClose(ctx, event.notification));
});

// Not in TypeScript's lib (no PushSubscriptionChangeEvent): the fields per the Push API spec.
interface PushSubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
}
self.addEventListener('pushsubscriptionchange', (event) => {
  const change = event as PushSubscriptionChangeEvent;
  change.waitUntil(handleSubscriptionChange(ctx, change.oldSubscription ?? null, change.newSubscription ?? null));
});
