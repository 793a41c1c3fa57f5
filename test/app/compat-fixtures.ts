/** What the /compat tests start from: Chromium on Linux as the e2e suite sees it. */
import type { CompatFacts } from '../../src/compat/checks';
import type { PlatformInput } from '../../src/platform/detect';

export const fullPlatform: PlatformInput = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  maxTouchPoints: 0,
  displayMode: 'browser',
  secureContext: true,
  serviceWorker: true,
  pushManager: true,
  notification: true,
  maxActions: 2,
  declarativePush: false,
};

/** Chromium here, as the e2e suite sees it: everything but a reachable push service. */
export const chromium: CompatFacts = {
  platform: fullPlatform,
  contentEncodings: ['aes128gcm', 'aesgcm'],
  permission: 'default',
  workerActive: true,
  notificationOptions: { requireInteraction: true, vibrate: true },
  badging: true,
  indexedDb: 'works',
  broadcastChannel: true,
  audioAutoplay: 'allowed',
  subscription: { state: 'not-subscribed' },
};
