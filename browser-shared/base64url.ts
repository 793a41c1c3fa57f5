/** base64url as the page and the worker both read it: VAPID keys and the claims of tokens. */

/** base64url (VAPID public key) → bytes; a string key isn't accepted by every engine version. */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(value.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A JWT's claims, read but not verified (the sender verifies every token it is sent); undefined when unreadable. */
export function readJwtClaims(token: string | undefined): Record<string, unknown> | undefined {
  try {
    const part = token?.split('.')[1];
    if (!part) return undefined;
    const claims: unknown = JSON.parse(new TextDecoder().decode(base64UrlToBytes(part)));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
