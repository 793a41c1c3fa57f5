/** notificationclose: the user swiped a ringing notification away. */
import { bestEffort, type SwContext } from './context';
import { readNotificationData } from './click-target';

/**
 * Records a dismissal, which is not a decline: the caller keeps ringing until
 * they give up, and the call is still there to answer from an open page.
 * Only a still-ringing call changes (checked in the same transaction), so a
 * close caused by the call's end (Firefox may report it) keeps that outcome.
 */
export async function handleNotificationClose(ctx: SwContext, notification: { data: unknown }): Promise<boolean> {
  const data = readNotificationData(notification.data);
  if (data.kind !== 'ringing') return false;
  const updated = await bestEffort(ctx, 'recording the dismissal', () =>
    ctx.callLog.setState(data.sessionId, { state: 'dismissed' }, ['ringing']),
  );
  return updated !== undefined;
}
