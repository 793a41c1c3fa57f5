/**
 * Telling CometChat the callee's answer from the service worker, which cannot
 * run CometChat's Chat SDK: the same client-API request the SDK makes for
 * acceptCall / rejectCall / endCall (`PUT {clientHost}/calls/{sessionid}`
 * with `{"status"}`, the user's auth token and the app id in headers;
 * shared/facts/platforms.md, and test/sw/cometchat-answer.test.ts against
 * the real SDK). The page uses the real SDK (src/calls/cometchat-chat.ts).
 */
import { readJwtClaims } from '../browser-shared/base64url';
import type { CometChatCredentials } from '../browser-shared/cometchat-credentials';

/** The statuses of CometChat's call session update that a callee sends. */
export type CometChatCallStatus = 'ongoing' | 'rejected' | 'busy' | 'ended';

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
  const sub = readJwtClaims(token)?.sub;
  return typeof sub === 'string' ? sub : undefined;
}
