import { API_ROUTES, apiPath } from '../../protocol/api';

/**
 * Declines a call through the sender with the ring's decline token (the page
 * has no sender session of its own). `senderUrl` is the sender's origin when
 * it isn't the page's. True when the sender took it; the sender then stops the
 * ringing on the user's other devices.
 */
export async function declineCall(sessionId: string, declineToken: string | undefined, senderUrl?: string): Promise<boolean> {
  if (!declineToken) return false;
  const url = new URL(apiPath(API_ROUTES.decline, { sessionId }), senderUrl || location.origin);
  try {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${declineToken}` } });
    return res.ok;
  } catch {
    return false;
  }
}
