/** The worker's notifications as a page of the app sees them, for any browser driver. */
export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
  actions: { action: string; title: string }[];
  data: Record<string, unknown>;
}

/** Runs in the page (pass it to page.evaluate): registration.getNotifications() as plain data. */
export async function readShownNotifications(): Promise<ShownNotification[]> {
  const reg = await navigator.serviceWorker.ready;
  return (await reg.getNotifications()).map((n) => ({
    title: n.title,
    body: n.body,
    tag: n.tag,
    requireInteraction: n.requireInteraction,
    actions: ((n as Notification & { actions?: { action: string; title: string }[] }).actions ?? []).map((a) => ({ action: a.action, title: a.title })),
    data: n.data as Record<string, unknown>,
  }));
}
