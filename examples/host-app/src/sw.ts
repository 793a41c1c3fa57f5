/// <reference lib="webworker" />
/**
 * The host's own service worker: its own lifecycle (and caching, if it had
 * any), with RingKit's ringing added by one call.
 */
import { installRingKitHandlers } from 'ringkit/sw';

declare const self: ServiceWorkerGlobalScope;

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

installRingKitHandlers(self);
