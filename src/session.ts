/**
 * Who is signed in: the user token a host app hands RingKit (minted by its
 * backend, design.md "Tokens") or the local demo's development sign-in.
 * Kept in localStorage so the app and its later visits know the user.
 */
import { useEffect, useState } from 'preact/hooks';
import { readJwtClaims } from '../browser-shared/base64url';
import { forgetCometChatLogin } from './calls/cometchat-login';

export interface Session {
  token: string;
  uid: string;
  name: string;
  /** epoch ms */
  expiresAt: number;
}

const KEY = 'ringkit.session';
export const SESSION_CHANGED = 'ringkit:session-changed';
const CHANGED = SESSION_CHANGED;

/** The claims RingKit reads from a user token; the sender verifies the signature. */
export function sessionFromToken(token: string): Session | undefined {
  const claims = readJwtClaims(token);
  if (typeof claims?.sub !== 'string' || typeof claims.exp !== 'number') return undefined;
  return { token, uid: claims.sub, name: typeof claims.name === 'string' ? claims.name : claims.sub, expiresAt: claims.exp * 1000 };
}

export function readSession(now = Date.now()): Session | undefined {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return session && typeof session.token === 'string' && session.expiresAt > now ? session : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Host apps call this with the user token their backend minted (HS256, sub =
 * uid, exp; signed with the sender's auth secret); `undefined` signs out.
 */
export function setUserToken(token: string | undefined): Session | undefined {
  const session = token ? sessionFromToken(token) : undefined;
  if (token && !session) throw new Error('RingKit: the user token must be a JWT with sub and exp');
  // Another user (or nobody) now: the CometChat login of the one who left must never act for them.
  if (readSession()?.uid !== session?.uid) void forgetCometChatLogin();
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  dispatchEvent(new Event(CHANGED));
  return session;
}

/** The signed-in user, following sign-in and sign-out in this tab and in others. */
export function useSession(): Session | undefined {
  const [session, setSession] = useState(readSession);
  useEffect(() => {
    const update = () => setSession(readSession());
    addEventListener(CHANGED, update);
    addEventListener('storage', update);
    return () => {
      removeEventListener(CHANGED, update);
      removeEventListener('storage', update);
    };
  }, []);
  return session;
}
