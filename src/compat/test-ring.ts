/**
 * "Send a test ring": the sender rings this device (POST /api/push/test-ring),
 * the page waits for the worker's incoming_call message, looks at the
 * notification the worker showed, then closes it.
 */
import { API_ROUTES, TEST_RING_PREFIX, type ApiErrorBody, type TestRingResponse } from '../../protocol/api';
import { isWorkerToPageMessage, type IncomingCallMessage } from '../../browser-shared/messages';
import { announceHandled } from '../ringer/tab-coordination';
import type { Session } from '../session';
import { summarizeTestRing, type TestRingMeasurement, type TestRingResult } from './test-ring-result';

/** Longer than the sender's answer bound (3 s) plus a push service's usual delay. */
const ARRIVAL_WAIT_MS = 20_000;

export async function sendTestRing(session: Session, registration: ServiceWorkerRegistration): Promise<TestRingResult> {
  const subscription = await registration.pushManager.getSubscription();
  if (!subscription) return { status: 'unavailable', reason: 'This browser has no push subscription: enable ringing first.' };

  // The ring can reach the worker before the sender's answer reaches the page: listen first.
  const arrivals = new Map<string, { message: IncomingCallMessage; pageToldAt: number }>();
  let arrived: (() => void) | undefined;
  const onMessage = (event: MessageEvent) => {
    const pageToldAt = Date.now();
    const data: unknown = event.data;
    if (!isWorkerToPageMessage(data) || data.type !== 'incoming_call' || !data.payload.sessionId.startsWith(TEST_RING_PREFIX)) return;
    arrivals.set(data.payload.sessionId, { message: data, pageToldAt });
    arrived?.();
  };
  navigator.serviceWorker.addEventListener('message', onMessage);
  try {
    const requestedAt = Date.now();
    const res = await fetch(API_ROUTES.testRing, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: subscription.endpoint }),
    }).catch(() => undefined);
    const answeredAt = Date.now();
    if (!res) return { status: 'unavailable', reason: 'The RingKit server did not answer.' };
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as ApiErrorBody | undefined;
      return { status: 'unavailable', reason: `The server refused the test ring (HTTP ${res.status}: ${body?.error.message ?? 'no details'}).` };
    }
    const { sessionId, devices, delivered, purged, failed, pending } = (await res.json()) as TestRingResponse;
    const counts = { devices, delivered, purged, failed, pending };
    const measurement: TestRingMeasurement = { requestedAt, answeredAt, sessionId, counts };
    if (counts.delivered > 0) {
      const got = await waitFor(() => arrivals.has(sessionId), (wake) => (arrived = wake), ARRIVAL_WAIT_MS);
      const arrival = got ? arrivals.get(sessionId) : undefined;
      if (arrival) {
        measurement.message = { callerName: arrival.message.payload.callerName, pageToldAt: arrival.pageToldAt };
        if (arrival.message.timings) measurement.message.timings = arrival.message.timings;
        const notification = await takeNotification(registration, sessionId);
        if (notification) measurement.notification = notification;
        // This tab's ringer rang for the test as for a call: stop it the way another tab's answer would.
        announceHandled({ type: 'handled', sessionId, how: 'decline' });
      }
    }
    return summarizeTestRing(measurement);
  } finally {
    navigator.serviceWorker.removeEventListener('message', onMessage);
  }
}

async function waitFor(done: () => boolean, onWake: (wake: () => void) => void, ms: number): Promise<boolean> {
  if (done()) return true;
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(done()), ms);
    onWake(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The test ring's notification as shown (its actions, where the browser exposes them), then closed. */
async function takeNotification(registration: ServiceWorkerRegistration, sessionId: string): Promise<TestRingMeasurement['notification']> {
  const shown = await registration.getNotifications().catch(() => [] as Notification[]);
  const ours = shown.filter((n) => (n.data as { sessionId?: unknown } | null)?.sessionId === sessionId);
  const first = ours[0];
  for (const n of ours) n.close();
  if (!first) return undefined;
  const actions = (first as Notification & { actions?: readonly { action: string }[] }).actions;
  const notification: NonNullable<TestRingMeasurement['notification']> = { title: first.title, body: first.body };
  if (Array.isArray(actions)) notification.actions = actions.map((a) => a.action);
  return notification;
}
