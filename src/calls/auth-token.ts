/**
 * The signed-in user's CometChat auth token, handed over by the host app after
 * its own login (CometChat's REST API or its chat SDK mint it). Kept in
 * localStorage: the call screen often opens in a new window from a
 * notification click, where sessionStorage would be empty.
 */
const KEY = 'ringkit.cometchat.authToken';

export function setCometChatAuthToken(token: string | null): void {
  if (token) localStorage.setItem(KEY, token);
  else localStorage.removeItem(KEY);
}

export function cometChatAuthToken(): string | undefined {
  try {
    return localStorage.getItem(KEY) || undefined;
  } catch {
    return undefined; // storage blocked (some private modes)
  }
}
