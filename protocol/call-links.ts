/**
 * How a call is named on screen and linked to, shared by the worker (its own
 * notifications) and the sender (the declarative notification Safari shows
 * when the worker cannot run): both must say and link the same thing.
 */
import type { CallEndReason, CallType } from './payload';
import { parseUrl } from './url';

/** The `?action=` the call screen acts on. */
export type CallIntent = 'accept' | 'open' | 'reject';

/** One tag per call, so the outcome replaces the ring (where tags work: not Safari). */
export function callTag(sessionId: string): string {
  return `call-${sessionId}`;
}

/**
 * A session id that can stand as one path segment. "." and ".." (also as
 * %2e) would be dot segments and climb out of /call/ (WHATWG URL).
 */
export function isSafeSessionId(sessionId: string): boolean {
  return sessionId.length > 0 && sessionId !== '.' && sessionId !== '..';
}

/**
 * The call screen's URL on `origin`. The session id comes from a push
 * payload: it is only ever a path segment, URL-encoded, never a URL.
 */
export function callUrl(sessionId: string, intent: CallIntent, origin: string): string | undefined {
  if (!isSafeSessionId(sessionId)) return undefined;
  const path = `/call/${encodeURIComponent(sessionId)}`;
  const url = parseUrl(`${path}?action=${intent}`, origin);
  return url.origin === parseUrl(origin).origin && url.pathname === path ? url.href : undefined;
}

/** The call a call screen link names (callUrl's inverse); undefined for any other path. */
export function parseCallLink(url: { pathname: string; searchParams: { get(name: string): string | null } }): { sessionId: string; intent: CallIntent } | undefined {
  const match = /^\/call\/([^/]+)\/*$/.exec(url.pathname);
  if (!match) return undefined;
  let sessionId: string;
  try {
    sessionId = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  const action = url.searchParams.get('action');
  return { sessionId, intent: action === 'accept' || action === 'reject' ? action : 'open' };
}

export const callTypeLabel = (callType: CallType): string => (callType === 'video' ? 'Video call' : 'Audio call');

export const incomingCallTitle = (callerName: string): string => `Incoming call from ${callerName}`;

export const missedCallTitle = (callerName: string | undefined): string => (callerName ? `Missed call from ${callerName}` : 'Missed call');

/** End reasons that leave the callee with a missed call. */
export const MISSED_REASONS: readonly CallEndReason[] = ['cancelled', 'unanswered', 'busy'];

const ENDED_TITLES: Record<Exclude<CallEndReason, 'cancelled' | 'unanswered' | 'busy'>, string> = {
  answered: 'Answered on another device',
  declined: 'Call declined',
  ended: 'Call ended',
};

/** The title of a call's outcome; every device gets the "answered" stop, the one that answered too. */
export function callEndedTitle(reason: CallEndReason, callerName: string | undefined, answeredHere = false): string {
  if (MISSED_REASONS.includes(reason)) return missedCallTitle(callerName);
  if (reason === 'answered' && answeredHere) return 'Call answered';
  return ENDED_TITLES[reason as keyof typeof ENDED_TITLES];
}

/** The line under a call's outcome. */
export function callEndedBody(reason: CallEndReason, callerName: string | undefined, callType: CallType | undefined): string {
  if (MISSED_REASONS.includes(reason)) return callType ? callTypeLabel(callType) : 'Open RingKit';
  return callerName ? `Call with ${callerName}` : 'RingKit';
}
