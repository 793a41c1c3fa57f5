/**
 * This device's push subscription and the sender's copy of it: subscribe
 * inside the user's click, confirm on every start, remove on request.
 */
import { API_ROUTES, type ApiErrorBody, type PublicKeyResponse } from '../../protocol/api';
import { openRingKitStores } from '../../browser-shared/call-log';
import { base64UrlToBytes } from '../../browser-shared/base64url';
import type { Session } from '../session';
import type { RingingProblem } from './ringing-state';

export class RingingError extends Error {
  override name = 'RingingError';
  constructor(
    readonly problem: RingingProblem,
    readonly detail?: string,
  ) {
    super(detail ?? problem);
  }
}

const stores = openRingKitStores();

/** A service worker can take long to install on a first visit. */
const WORKER_WAIT_MS = 10_000;
/** Chrome's subscribe never settles when its push service is out of reach (firewalls, no Google services). */
const SUBSCRIBE_WAIT_MS = 15_000;

export interface PushContext {
  registration: ServiceWorkerRegistration;
  vapidPublicKey: string;
}

/** Prepared before any click, so the click handler reaches the permission prompt without awaiting. */
export async function loadPushContext(): Promise<PushContext> {
  const registration = await Promise.race([
    navigator.serviceWorker.ready,
    new Promise<never>((_, reject) => setTimeout(() => reject(new RingingError('no-worker')), WORKER_WAIT_MS)),
  ]);
  const res = await fetch(API_ROUTES.publicKey).catch(() => undefined);
  if (!res?.ok) throw new RingingError('sender-unreachable', res ? `HTTP ${res.status}` : undefined);
  const { publicKey } = (await res.json()) as PublicKeyResponse;
  return { registration, vapidPublicKey: publicKey };
}

/** This browser's subscription, if it was made with the sender's current key; one made with another key is dropped. */
export async function currentSubscription({ registration, vapidPublicKey }: PushContext): Promise<PushSubscription | null> {
  const existing = await registration.pushManager.getSubscription();
  if (!existing) return null;
  const key = existing.options.applicationServerKey;
  if (key && sameBytes(new Uint8Array(key), base64UrlToBytes(vapidPublicKey))) return existing;
  // A rotated VAPID key: pushes signed with the new one would be refused for this subscription.
  await existing.unsubscribe().catch(() => undefined);
  return null;
}

/**
 * Asks for permission and subscribes; false when the user did not allow
 * notifications. Call it straight from the click handler: iOS and Firefox
 * show the prompt only inside a user gesture.
 */
export async function enableRinging(ctx: PushContext, session: Session): Promise<boolean> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return false;
  let subscription = await currentSubscription(ctx);
  if (!subscription) {
    try {
      subscription = await Promise.race([
        ctx.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(ctx.vapidPublicKey) }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no answer from the push service within ${SUBSCRIBE_WAIT_MS / 1000} s`)), SUBSCRIBE_WAIT_MS),
        ),
      ]);
    } catch (error) {
      throw new RingingError('subscribe-failed', error instanceof Error ? error.message : String(error));
    }
  }
  await registerDevice(ctx, session, subscription);
  return true;
}

/**
 * On every app start: make sure the sender still holds this device (it purges
 * devices on 404/410 and may have lost it), and that the worker can re-register
 * on its own. Returns false when this browser has no usable subscription.
 */
export async function confirmDevice(ctx: PushContext, session: Session): Promise<boolean> {
  if (Notification.permission !== 'granted') return false;
  const subscription = await currentSubscription(ctx);
  if (!subscription) return false;
  await registerDevice(ctx, session, subscription);
  return true;
}

/** "Stop ringing on this device": the browser's subscription and the sender's copy both go. */
export async function disableRinging(ctx: PushContext, session: Session): Promise<void> {
  await stores.settings.clearSubscriptionConfig();
  const subscription = await ctx.registration.pushManager.getSubscription();
  if (!subscription) return;
  await removeDevice(session, subscription.endpoint);
  await subscription.unsubscribe();
}

/**
 * Signing out: this browser must stop ringing for the user who leaves (best
 * effort: the sender also drops the device once it moves to the next user).
 */
export async function forgetThisDevice(session: Session): Promise<void> {
  await stores.settings.clearSubscriptionConfig().catch(() => undefined);
  const registration = await navigator.serviceWorker?.getRegistration();
  const subscription = await registration?.pushManager?.getSubscription();
  if (!subscription) return;
  await removeDevice(session, subscription.endpoint).catch(() => undefined);
  await subscription.unsubscribe().catch(() => undefined);
}

/** Removes one of the user's devices from the sender (404: it was gone already). */
export async function removeDevice(session: Session, endpoint: string): Promise<void> {
  await senderRequest(session, 'DELETE', { endpoint }, [404]);
}

async function registerDevice(ctx: PushContext, session: Session, subscription: PushSubscription): Promise<void> {
  await senderRequest(session, 'POST', { subscription: subscription.toJSON() });
  // What the worker needs to answer pushsubscriptionchange with no page open.
  await stores.settings.setSubscriptionConfig({ vapidPublicKey: ctx.vapidPublicKey, userToken: session.token });
}

async function senderRequest(session: Session, method: 'POST' | 'DELETE', body: unknown, alsoFine: number[] = []): Promise<void> {
  const res = await fetch(API_ROUTES.subscriptions, {
    method,
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).catch(() => undefined);
  if (!res) throw new RingingError('sender-unreachable');
  if (res.ok || alsoFine.includes(res.status)) return;
  if (res.status === 401) throw new RingingError('signed-out');
  const error = (await res.json().catch(() => undefined)) as ApiErrorBody | undefined;
  throw new RingingError('sender-refused', error?.error?.message ?? `HTTP ${res.status}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
