/**
 * The signed-in user's CometChat login, handed over by the host app after its
 * own login (CometChat's REST API or its Chat SDK mint the auth token). Kept
 * in IndexedDB with the RingKit user's id, where the service worker reads it
 * to tell CometChat a Decline pressed on a notification; used for that user
 * only, and forgotten on sign-out (session.ts).
 */
import { openRingKitStores } from '../../browser-shared/call-log';
import type { CometChatCredentials } from '../../browser-shared/cometchat-credentials';
import { readSession } from '../session';
import { cometChatConfig } from './cometchat-config';

const stores = openRingKitStores();

/** The build's or host page's CometChat app, or undefined when CometChat is not configured. */
function configuredApp(): Pick<CometChatCredentials, 'appId' | 'region' | 'clientHost'> | undefined {
  const { appId, region, clientHost } = cometChatConfig(import.meta.env);
  if (!appId || !region) return undefined;
  return { appId, region, ...(clientHost ? { clientHost } : {}) };
}

/**
 * Host apps call this with the signed-in user's CometChat auth token (null
 * forgets it). It is bound to the RingKit user signed in now: sign in first.
 */
export async function setCometChatAuthToken(token: string | null): Promise<void> {
  const session = readSession();
  const app = configuredApp();
  if (!token || !session) {
    if (token) console.warn('RingKit: setCometChatAuthToken needs a signed-in user (setUserToken first); the token was not kept');
    await stores.settings.clearCometChatCredentials();
    return;
  }
  if (!app) {
    console.warn('RingKit: CometChat is not configured (VITE_COMETCHAT_APP_ID, VITE_COMETCHAT_REGION): the token was not kept');
    return;
  }
  await stores.settings.setCometChatCredentials({ ...app, uid: session.uid, authToken: token });
}

/** The stored CometChat login of this user, if any (never another user's). */
export async function cometChatLoginOf(uid: string): Promise<CometChatCredentials | undefined> {
  const app = configuredApp();
  const stored = await stores.settings.getCometChatCredentials().catch(() => undefined);
  if (!app || !stored || stored.uid !== uid) return undefined;
  // The app's configuration wins over what was stored with an older one.
  return { ...stored, ...app };
}

/** Signing out: the next user of this browser must never act with this token. */
export function forgetCometChatLogin(): Promise<void> {
  return stores.settings.clearCometChatCredentials().catch(() => undefined);
}

/** Keeps the token of a Chat SDK user logged in by the host app, so the worker can use it too. */
export async function rememberCometChatUser(uid: string, authToken: string): Promise<void> {
  const app = configuredApp();
  if (app) await stores.settings.setCometChatCredentials({ ...app, uid, authToken });
}

/** A token the host handed over at start (globalThis.ringkitCometChat.authToken) is kept for the signed-in user. */
export async function adoptHandedOverToken(): Promise<void> {
  const { authToken } = cometChatConfig(import.meta.env);
  if (authToken && readSession()) await setCometChatAuthToken(authToken);
}
