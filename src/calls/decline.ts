import { API_ROUTES, apiPath } from '../../protocol/api';

/**
 * Tells the sender this callee's answer with the ring's token (the page has
 * no sender session of its own); the sender then stops the ringing on the
 * user's other devices and tells the calling side. `senderUrl` is the
 * sender's origin when it isn't the page's. True when the sender took it,
 * or had already ended the ring (409: answered elsewhere, timed out).
 */
async function tellSender(route: string, sessionId: string, token: string | undefined, body: object, senderUrl?: string): Promise<boolean> {
  if (!token) return false;
  const url = new URL(apiPath(route, { sessionId }), senderUrl || location.origin);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.ok || res.status === 409;
  } catch {
    return false;
  }
}

export function declineCall(sessionId: string, declineToken: string | undefined, options: { reason?: 'declined' | 'busy'; senderUrl?: string | undefined } = {}): Promise<boolean> {
  return tellSender(API_ROUTES.decline, sessionId, declineToken, options.reason === 'busy' ? { reason: 'busy' } : {}, options.senderUrl);
}

/**
 * Answered in the page: every device of the callee stops ringing but this
 * one (`endpoint`, when the page knows its push subscription: its own
 * notification is closed by the page).
 */
export function answerCall(sessionId: string, declineToken: string | undefined, endpoint?: string, senderUrl?: string): Promise<boolean> {
  return tellSender(API_ROUTES.answer, sessionId, declineToken, endpoint ? { endpoint } : {}, senderUrl);
}
