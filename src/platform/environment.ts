import type { PlatformInput } from './detect';

const DISPLAY_MODES = ['standalone', 'fullscreen', 'minimal-ui'] as const;

/** Reads what platform detection needs from this browser; never throws on a missing API. */
export function readPlatformInput(): PlatformInput {
  const nav = navigator as Navigator & { standalone?: boolean };
  const input: PlatformInput = {
    userAgent: nav.userAgent,
    maxTouchPoints: nav.maxTouchPoints ?? 0,
    displayMode: DISPLAY_MODES.find((m) => matchMedia(`(display-mode: ${m})`).matches) ?? 'browser',
    secureContext: globalThis.isSecureContext === true,
    serviceWorker: 'serviceWorker' in nav,
    pushManager: 'PushManager' in globalThis,
    notification: 'Notification' in globalThis,
    declarativePush: 'pushManager' in globalThis,
  };
  if (typeof nav.standalone === 'boolean') input.navigatorStandalone = nav.standalone;
  const maxActions = 'Notification' in globalThis ? (Notification as unknown as { maxActions?: unknown }).maxActions : undefined;
  if (typeof maxActions === 'number') input.maxActions = maxActions;
  return input;
}

/** Brave hides that it is Brave from its User-Agent, but not from navigator. */
export const isBrave = (): boolean => 'brave' in navigator;
