import { API_ROUTES, apiPath } from '../../protocol/api';

/**
 * Tells the sender this callee's answer with the ring's token (the page has
 * no sender session of its own); the sender then stops the ringing on the
 * user's other devices. `senderUrl` is the sender's origin when it isn't the
 * page's. True when the sender took it.
 */
async function tellSender(route: string, sessionId: string, token: string | undefined, body: object | undefined, senderUrl?: string): Promise<boolean> {
  if (!token) return false;
  const url = new URL(apiPath(route, { sessionId }), senderUrl || location.origin);
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method: 'POST', headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    return res.ok;
  } catch {
    return false;
  }
}

export function declineCall(sessionId: string, declineToken: string | undefined, senderUrl?: string): Promise<boolean> {
  return tellSender(API_ROUTES.decline, sessionId, declineToken, undefined, senderUrl);
}

/** Answered here: the callee's other devices stop ringing (this one, named by its endpoint, gets no stop). */
export async function answerCall(sessionId: string, declineToken: string | undefined, senderUrl?: string): Promise<boolean> {
  const registration = await navigator.serviceWorker?.getRegistration();
  const endpoint = (await registration?.pushManager?.getSubscription().catch(() => null))?.endpoint;
  return tellSender(API_ROUTES.answer, sessionId, declineToken, endpoint ? { endpoint } : {}, senderUrl);
}
