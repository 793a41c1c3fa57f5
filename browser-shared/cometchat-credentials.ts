/**
 * One RingKit user's CometChat login, as the page stores it (src/calls/cometchat-login.ts)
 * and the worker reads it to answer a ring with no window open (sw/cometchat-answer.ts).
 */

/** Kept in IndexedDB where the worker can read it; used only for rings of that user, cleared on sign-out. */
export interface CometChatCredentials {
  uid: string;
  authToken: string;
  appId: string;
  region: string;
  /** host (and path prefix) of the client API when not CometChat's own, e.g. a private cloud or a test stand-in */
  clientHost?: string;
}

const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks credentials read back from storage. */
export function parseCometChatCredentials(value: unknown): CometChatCredentials | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (!text(o.uid) || !text(o.authToken) || !text(o.appId) || !text(o.region)) return undefined;
  const credentials: CometChatCredentials = { uid: o.uid, authToken: o.authToken, appId: o.appId, region: o.region };
  if (text(o.clientHost)) credentials.clientHost = o.clientHost;
  return credentials;
}
