/// <reference lib="webworker" />
/**
 * The service worker entry (vite-plugin-pwa, injectManifest): the app shell's
 * precache and navigation route, then RingKit's handlers (install.ts, which a
 * host app's own worker can install the same way).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { installRingKitHandlers } from './install';

declare let self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
try {
  // The app shell answers every navigation, so the app and /call/<id> open offline.
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//, /^\/healthz/, /^\/ringer\//] }));
} catch (error) {
  // index.html isn't precached in a dev build: navigations go to the network.
  console.warn('[ringkit sw] no app shell route', error);
}

installRingKitHandlers(self);
