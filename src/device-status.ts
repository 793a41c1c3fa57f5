import { API_ROUTES } from '../protocol/api';

export interface DeviceStatus {
  permission: NotificationPermission | 'unsupported';
  serviceWorker: 'unsupported' | 'none' | 'installing' | 'active';
  subscribed: boolean | 'unsupported';
  installed: boolean;
  sender: 'reachable' | 'unreachable';
}

/** What the home screen shows about this device; every probe tolerates a browser that lacks the feature. */
export async function readDeviceStatus(): Promise<DeviceStatus> {
  const permission = 'Notification' in globalThis ? Notification.permission : 'unsupported';
  let serviceWorker: DeviceStatus['serviceWorker'] = 'unsupported';
  let subscribed: DeviceStatus['subscribed'] = 'unsupported';
  if ('serviceWorker' in navigator) {
    // The worker registers after the page loads: give it a moment before saying "none".
    const reg = await Promise.race([
      navigator.serviceWorker.ready,
      new Promise<ServiceWorkerRegistration | undefined>((r) => setTimeout(() => void navigator.serviceWorker.getRegistration().then(r), 3000)),
    ]);
    serviceWorker = !reg ? 'none' : reg.active ? 'active' : 'installing';
    if ('PushManager' in globalThis) subscribed = reg ? (await reg.pushManager.getSubscription()) !== null : false;
  }
  // iOS may report "fullscreen" for a manifest that asks for "standalone".
  const installed =
    matchMedia('(display-mode: standalone)').matches ||
    matchMedia('(display-mode: fullscreen)').matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true;
  const sender: DeviceStatus['sender'] = await fetch(API_ROUTES.health).then(
    (r) => (r.ok ? 'reachable' : 'unreachable'),
    () => 'unreachable',
  );
  return { permission, serviceWorker, subscribed, installed, sender };
}
