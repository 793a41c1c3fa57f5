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
    const reg = await navigator.serviceWorker.getRegistration();
    serviceWorker = !reg ? 'none' : reg.active ? 'active' : 'installing';
    if (reg && 'pushManager' in reg) subscribed = (await reg.pushManager.getSubscription()) !== null;
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
