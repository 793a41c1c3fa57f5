/** Showing a notification and finding a call's notifications, with the platforms' quirks handled. */
import type { ShownNotification, SwContext } from './context';
import type { NotificationSpec } from './notification-options';
import { readNotificationData } from './click-target';
import { callTag } from '../protocol/call-links';

/**
 * Shows `spec`; if the browser rejects the options (an engine that throws on
 * one it doesn't support), shows the same text with the bare minimum, because
 * a push without a notification costs the subscription on Apple's platforms.
 */
export async function showNotification(ctx: SwContext, spec: NotificationSpec): Promise<void> {
  try {
    await ctx.registration.showNotification(spec.title, spec.options);
  } catch (error) {
    ctx.log('showNotification failed; retrying with minimal options', error);
    const { body, tag, data } = spec.options;
    await ctx.registration.showNotification(spec.title, { body, tag, data });
  }
}

/**
 * The call's notifications on screen, matched by data.sessionId and by tag:
 * Safari ignores tags (platforms.md), so it may hold several, and a
 * declarative one it showed itself carries the call's tag but no data.
 */
export async function notificationsOfCall(ctx: SwContext, sessionId: string): Promise<ShownNotification[]> {
  try {
    const shown = await ctx.registration.getNotifications();
    return shown.filter((n) => {
      const data = readNotificationData(n.data);
      return (data.kind !== 'generic' && data.sessionId === sessionId) || n.tag === callTag(sessionId);
    });
  } catch (error) {
    ctx.log('getNotifications failed', error);
    return [];
  }
}

export function closeAll(notifications: readonly ShownNotification[]): void {
  for (const n of notifications) n.close();
}
