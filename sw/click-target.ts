/**
 * Which window a notification click focuses, navigates or opens. Pure, so the
 * whole ladder is table-tested: focus the call's window, else navigate one
 * window of the app, else open one — never both (elk opens a second window
 * after navigating the first).
 */
import type { CallNotificationData, NotificationData } from './notification-options';
import { CALL_TYPES, CALL_END_REASONS } from '../protocol/payload';
import { callUrl, isSafeSessionId, type CallIntent } from '../protocol/call-links';

export { callUrl, isSafeSessionId, type CallIntent };

export type ClickAction = '' | 'accept' | 'decline';

export interface WindowInfo {
  url: string;
  focused?: boolean;
}

export type ClickTarget =
  | { kind: 'focus'; clientIndex: number; navigate?: string }
  | { kind: 'open'; url: string }
  | { kind: 'decline'; sessionId: string }
  | { kind: 'none' };

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Reads notification data back. It may come from an older worker version or
 * not be ours at all, so it is checked field by field.
 */
export function readNotificationData(data: unknown): NotificationData {
  if (typeof data !== 'object' || data === null) return { kind: 'generic' };
  const d = data as Record<string, unknown>;
  if (!isString(d.sessionId)) return { kind: 'generic' };
  const sessionId = d.sessionId;
  const callerName = isString(d.callerName) ? d.callerName : undefined;
  const callType = (CALL_TYPES as readonly unknown[]).includes(d.callType) ? (d.callType as (typeof CALL_TYPES)[number]) : undefined;
  if (d.kind === 'ringing') {
    const out: CallNotificationData = { kind: 'ringing', sessionId, callerName: callerName ?? '', callType: callType ?? 'audio' };
    if (isString(d.declineToken)) out.declineToken = d.declineToken;
    if (typeof d.ringUntil === 'number') out.ringUntil = d.ringUntil;
    return out;
  }
  if (d.kind === 'ended' && (CALL_END_REASONS as readonly unknown[]).includes(d.reason)) {
    const out: CallNotificationData = { kind: 'ended', sessionId, reason: d.reason as (typeof CALL_END_REASONS)[number] };
    if (callerName) out.callerName = callerName;
    return out;
  }
  const out: CallNotificationData = { kind: 'missed', sessionId };
  if (callerName) out.callerName = callerName;
  if (callType) out.callType = callType;
  return out;
}

interface ParsedWindow {
  index: number;
  url: URL;
  focused: boolean;
}

function sameOriginWindows(windows: readonly WindowInfo[], origin: string): ParsedWindow[] {
  const own = new URL(origin).origin;
  const out: ParsedWindow[] = [];
  windows.forEach((w, index) => {
    try {
      const url = new URL(w.url);
      // Don't care about other-origin windows (matchAll shouldn't return any).
      if (url.origin === own) out.push({ index, url, focused: w.focused === true });
    } catch {
      // an unparsable URL is not a window we can reuse
    }
  });
  // The focused window first: that's where the user is.
  return out.sort((a, b) => Number(b.focused) - Number(a.focused));
}

/** Focus the window already at `url`'s path, else navigate another app window there, else open it. */
export function windowTarget(url: string, windows: readonly WindowInfo[], origin: string): ClickTarget {
  const target = new URL(url);
  const own = sameOriginWindows(windows, origin);
  const onPath = own.find((w) => w.url.pathname === target.pathname);
  if (onPath) {
    // Already there: navigate only if the page must act on a different ?action=.
    const wanted = target.searchParams.get('action');
    const needsNavigate = wanted !== null && wanted !== 'open' && onPath.url.searchParams.get('action') !== wanted;
    return needsNavigate ? { kind: 'focus', clientIndex: onPath.index, navigate: target.href } : { kind: 'focus', clientIndex: onPath.index };
  }
  const any = own[0];
  if (any) {
    // The app root needs no navigation: any window of the app will do.
    return target.pathname === '/' ? { kind: 'focus', clientIndex: any.index } : { kind: 'focus', clientIndex: any.index, navigate: target.href };
  }
  return { kind: 'open', url: target.href };
}

/** notificationclick → what to do. `action` is the clicked button, '' for the notification's body. */
export function clickTarget(data: unknown, action: string, windows: readonly WindowInfo[], origin: string): ClickTarget {
  const appRoot = new URL('/', origin).href;
  const d = readNotificationData(data);
  if (d.kind === 'generic') return windowTarget(appRoot, windows, origin);
  if (!isSafeSessionId(d.sessionId)) return windowTarget(appRoot, windows, origin);
  const ringing = d.kind === 'ringing';
  if (ringing && action === 'decline') return { kind: 'decline', sessionId: d.sessionId };
  const intent: CallIntent = ringing && action === 'accept' ? 'accept' : 'open';
  return windowTarget(callUrl(d.sessionId, intent, origin) ?? appRoot, windows, origin);
}
