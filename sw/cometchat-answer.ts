/**
 * Telling CometChat the callee's answer from the service worker, which cannot
 * run CometChat's Chat SDK: the same client-API request the SDK makes for
 * acceptCall / rejectCall / endCall (`PUT {clientHost}/calls/{sessionid}`
 * with `{"status"}`, the user's auth token and the app id in headers;
 * shared/facts/platforms.md, and test/sw/cometchat-answer.test.ts against
 * the real SDK). The page uses the real SDK (src/calls/cometchat-chat.ts).
 */
import { base64UrlToBytes } from './handle-subscription-change';

/** The statuses of CometChat's call session update that a callee sends. */
export type CometChatCallStatus = 'ongoing' | 'rejected' | 'busy' | 'ended';

/**
 * One RingKit user's CometChat login, kept in IndexedDB where the worker can
 * read it; used only for rings of that user, cleared on sign-out.
 */
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

/** The client API's base URL, as the SDK builds it (an overridden host keeps its own path). */
export function clientApiBase(c: Pick<CometChatCredentials, 'appId' | 'region' | 'clientHost'>): string {
  return c.clientHost ? `https://${c.clientHost}` : `https://${c.appId}.apiclient-${c.region}.cometchat.io/v3.0`;
}

export interface CallStatusRequest {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  body: string;
}

/** The request CometChat's Chat SDK sends to set a call session's status. */
export function callStatusRequest(c: CometChatCredentials, sessionId: string, status: CometChatCallStatus): CallStatusRequest {
  return {
    url: `${clientApiBase(c)}/calls/${encodeURIComponent(sessionId)}`,
    method: 'PUT',
    headers: { appId: c.appId, authToken: c.authToken, Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ status }),
  };
}

/** The uid a ring's decline token was issued for (read, not verified: the sender verifies it). */
export function tokenSubject(token: string | undefined): string | undefined {
  try {
    const part = token?.split('.')[1];
    if (!part) return undefined;
    const claims = JSON.parse(new TextDecoder().decode(base64UrlToBytes(part))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
