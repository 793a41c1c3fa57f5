/**
 * What a test ring measured, turned into what the page and the report show.
 * Pure: test-ring.ts takes the measurements in the browser. Page and worker
 * share the browser's clock, so their timestamps subtract; the sender's clock
 * is only used for its own answer.
 */
import type { DeliveryCounts } from '../../protocol/api';
import type { RingTimings } from '../../browser-shared/messages';

export interface TestRingMeasurement {
  /** page clock (epoch ms) when the request left */
  requestedAt: number;
  /** page clock when the sender answered */
  answeredAt: number;
  counts: DeliveryCounts;
  sessionId: string;
  /** the worker's incoming_call message, if one came before the page gave up */
  message?: { callerName: string; timings?: RingTimings; pageToldAt: number };
  /** the notification as registration.getNotifications() returned it */
  notification?: { title: string; body: string; actions?: readonly string[] };
}

export interface RingLatency {
  /** request → worker push event, through the sender and the push service */
  requestToPush: number;
  /** push event → notification shown */
  pushToShown: number;
  /** notification shown → page told */
  shownToPage: number;
  /** request → page told */
  total: number;
}

export type TestRingResult =
  | {
      status: 'arrived';
      sessionId: string;
      callerName: string;
      /** undefined when the worker is older than its timings */
      latency?: RingLatency;
      /** request → page told, even without the worker's timings */
      totalMs: number;
      /** sender: request → its answer (the push service accepted the push) */
      senderAnswerMs: number;
      notification?: { title: string; body: string; actions: readonly string[] | 'not exposed' };
      /** Accept and Decline were on the notification (null: the browser does not expose actions) */
      carriedActions: boolean | null;
    }
  | { status: 'not-delivered'; sessionId: string; counts: DeliveryCounts; detail: string }
  | { status: 'not-arrived'; sessionId: string; detail: string }
  | { status: 'unavailable'; reason: string };

export const RING_ACTIONS = ['accept', 'decline'] as const;

export function summarizeTestRing(m: TestRingMeasurement): TestRingResult {
  const { sessionId, counts } = m;
  if (!m.message) {
    if (counts.delivered === 0) {
      const why = counts.purged ? 'the push service says the subscription is gone: enable ringing again' : counts.pending ? 'the push service did not answer in time' : 'the push service refused the push';
      return { status: 'not-delivered', sessionId, counts, detail: `The sender could not deliver the ring (${why}).` };
    }
    return { status: 'not-arrived', sessionId, detail: 'The push service accepted the ring, but the worker did not report it in time. The browser may deliver it later, or not while it has no connection to its push service.' };
  }
  const { timings, pageToldAt, callerName } = m.message;
  const result: Extract<TestRingResult, { status: 'arrived' }> = {
    status: 'arrived',
    sessionId,
    callerName,
    totalMs: pageToldAt - m.requestedAt,
    senderAnswerMs: m.answeredAt - m.requestedAt,
    carriedActions: null,
  };
  if (timings) {
    result.latency = {
      requestToPush: timings.pushReceivedAt - m.requestedAt,
      pushToShown: timings.notificationShownAt - timings.pushReceivedAt,
      shownToPage: pageToldAt - timings.notificationShownAt,
      total: pageToldAt - m.requestedAt,
    };
  }
  if (m.notification) {
    const { actions } = m.notification;
    result.notification = { title: m.notification.title, body: m.notification.body, actions: actions ?? 'not exposed' };
    result.carriedActions = actions ? RING_ACTIONS.every((a) => actions.includes(a)) : null;
  }
  return result;
}
