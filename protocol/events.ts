/**
 * Call events: what the sender tells the calling side's backend about each
 * ring (design.md, "Call events"), POSTed to RINGKIT_EVENTS_URL and signed
 * the Standard Webhooks way. A backend that rings through POST /api/calls
 * learns every outcome from these.
 */

export const CALL_EVENT_TYPES = ['call.ringing', 'call.unreachable', 'call.accepted', 'call.declined', 'call.missed'] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

export interface CallEventData {
  sessionId: string;
  recipientUid: string;
  /** who called, when the ring said so */
  callerUid?: string;
  /** call.ringing and call.unreachable: the callee's devices, and how many the push reached */
  devices?: number;
  delivered?: number;
  failed?: number;
  /** call.declined: "declined", or "busy" (the callee was in another call) */
  reason?: 'declined' | 'busy';
}

export interface CallEvent {
  type: CallEventType;
  /** ISO 8601, when it happened */
  timestamp: string;
  data: CallEventData;
}
