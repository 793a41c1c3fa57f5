import type { CallType } from '../../protocol/payload';
import type { PushKind } from '../../protocol/api';

/** The endpoint is registered to another user, with other keys. */
export class EndpointTakenError extends Error {
  override name = 'EndpointTakenError';
  constructor() {
    super('this push endpoint is registered to another user with other keys');
  }
}

/** One browser that can ring: a push subscription and whose it is. */
export interface Device {
  id: string;
  uid: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** the last push's outcome: 'delivered', 'failed:<status or error code>', … */
  lastOutcome: string | null;
  lastOutcomeAt: Date | null;
}

export interface NewDevice {
  uid: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
}

/**
 * Where a ring came from: the calling side learns how every ring but a
 * /compat test ring ends (signed call events).
 */
export type RingSource = 'api' | 'webhook' | 'dev' | 'test';

/** A ring, kept so it is stopped once, by whichever sender instance gets there first. */
export interface NewRing {
  sessionId: string;
  uid: string;
  /** who calls, when known: CometChat's documented end events name only the two parties */
  callerUid?: string | undefined;
  /** the CometChat group a member is rung for */
  groupId?: string | undefined;
  /** rung as a member of a group call: only that member's own end events stop it */
  group: boolean;
  ringUntil: Date;
  source: RingSource;
  /** who calls, as the ring showed it, and how: a stop's declarative notification names them */
  callerName?: string | undefined;
  callType?: CallType | undefined;
}

/** A ring that an end (or its deadline) just stopped. */
export interface EndedRing {
  sessionId: string;
  uid: string;
  callerUid: string | null;
  source: RingSource;
  callerName: string | null;
  callType: CallType | null;
}

/**
 * The still-ringing rings a CometChat end event without a session id stops:
 * a caller's ring of one callee, or of a group's members.
 */
export type RingParties = { callerUid: string; uid: string } | { callerUid: string; groupId: string };

/** A call event waiting in the outbox for delivery to RINGKIT_EVENTS_URL. */
export interface OutboxEvent {
  id: string;
  type: string;
  /** the JSON body, exactly as signed and sent */
  body: string;
  createdAt: Date;
  attempts: number;
}

/** What became of one delivery attempt. */
export type OutboxResult =
  | { kind: 'delivered'; at: Date }
  | { kind: 'retry'; at: Date; error: string }
  | { kind: 'gave-up'; at: Date; error: string };

/**
 * Which still-ringing rings of a session an end event stops (any that match):
 * every one, those of one-to-one calls, and/or one callee's.
 */
export interface RingSelector {
  everyone?: boolean;
  oneToOne?: boolean;
  uid?: string;
  /** only the ring placed with this deadline: a token of an earlier ring of the session must not end a re-ring */
  ringUntil?: Date;
}

/** How one push to one device ended, as its trace keeps it. */
export type TraceOutcome = 'delivered' | 'purged' | 'failed' | 'expired';

/** One push to one device of a call (GET /api/calls/:sessionId): never its endpoint or keys. */
export interface NewPushTrace {
  sessionId: string;
  deviceId: string;
  uid: string;
  type: PushKind;
  /** fcm, mozilla, apple, wns or other */
  pushService: string;
  /** the first attempt; null when the ring ended before any was sent */
  sentAt: Date | null;
  /** the push service's last answer: an HTTP status, or a transport error (timeout, reset, …) */
  answer: string | null;
  retries: number;
  outcome: TraceOutcome;
  finishedAt: Date;
}

/** A trace as read back; `outcome` is null when the worker said it showed the ring before its outcome was written. */
export interface PushTrace extends Omit<NewPushTrace, 'outcome' | 'finishedAt'> {
  outcome: TraceOutcome | null;
  finishedAt: Date | null;
  /** when the device's worker said it showed the ring */
  shownAt: Date | null;
}

/** The worker's word that a device showed a call's ring. */
export interface ShownReport {
  sessionId: string;
  deviceId: string;
  uid: string;
  pushService: string;
  at: Date;
}

/** A device's last push outcome, by its endpoint. */
export interface OutcomeRecord {
  endpoint: string;
  outcome: string;
  at: Date;
}

/**
 * Where the sender keeps devices. SQLite (embedded) and PostgreSQL implement
 * it; one contract test suite runs against both.
 */
export interface DeviceStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Insert, or update by endpoint. The owner may replace the keys; another
   * user may take the device over only with its current keys (the same
   * browser, whose user signed in as someone else): knowing an endpoint is
   * not enough. Else throws EndpointTakenError, changing nothing. Atomic.
   * `created` is true when the endpoint was new.
   */
  upsert(device: NewDevice): Promise<{ device: Device; created: boolean }>;
  findByEndpoint(endpoint: string): Promise<Device | undefined>;
  listByUser(uid: string): Promise<Device[]>;
  /**
   * Keeps at most `max` devices of the user, `keepEndpoint` always among them:
   * the ones longest without a delivery (or registration, if never delivered
   * to) go first. Returns how many were removed.
   */
  trimDevices(uid: string, max: number, keepEndpoint: string): Promise<number>;
  /** Removes a device of this user; false when the user had no such endpoint. */
  remove(uid: string, endpoint: string): Promise<boolean>;
  /**
   * Deletes a device the push service declared gone (404/410), unless it was
   * registered again after `notUpdatedSince` (the browser re-subscribed meanwhile).
   */
  purge(endpoint: string, notUpdatedSince: Date): Promise<boolean>;
  recordOutcome(endpoint: string, outcome: string, at: Date): Promise<void>;
  /**
   * Records a webhook event id; false when it was recorded before (a retry),
   * by this or another sender instance sharing the store. Atomic.
   */
  claimEvent(id: string, at: Date): Promise<boolean>;
  /** Forgets a claimed event whose handling failed, so CometChat's retry is acted on. */
  releaseEvent(id: string): Promise<void>;
  /**
   * Records a ring; false when this callee was already rung for this session.
   * With `reopen` (a backend ringing the same call again) a known ring rings
   * anew: its deadline and parties are replaced and it counts as not ended. Atomic.
   */
  recordRing(ring: NewRing, options?: { reopen?: boolean }): Promise<boolean>;
  /**
   * Marks the selected rings of a session ended and returns them; a ring
   * already ended (here or by another instance) is not returned again. Atomic.
   */
  endRings(sessionId: string, selector: RingSelector, reason: string, at: Date): Promise<EndedRing[]>;
  /** As endRings, for the still-ringing rings between these parties (any session). Atomic. */
  endRingsBetween(parties: RingParties, reason: string, at: Date): Promise<EndedRing[]>;
  /** Ends, as unanswered, every ring whose deadline is at or before `now`. Atomic. */
  expireRings(now: Date): Promise<EndedRing[]>;
  /** Forgets event ids received, rings due, call events settled, and push traces recorded before `before`. */
  pruneCallRecords(before: Date): Promise<void>;
  /** Adds a call event to the outbox, due at once. */
  enqueueEvent(event: { id: string; type: string; body: string; at: Date }): Promise<void>;
  /**
   * Takes up to `limit` due events for delivery, leased until `leaseUntil`:
   * no other instance takes them before the lease ends. Atomic.
   */
  claimDueEvents(now: Date, leaseUntil: Date, limit: number): Promise<OutboxEvent[]>;
  /** Records an attempt's result; a retry is due at `result.at`. */
  settleEvent(id: string, result: OutboxResult): Promise<void>;
  /** Events not yet delivered nor given up, and when the oldest was created. */
  outboxStats(): Promise<{ pending: number; oldestCreatedAt: Date | null }>;
  /**
   * Many outcomes in one write (a ring to thousands of devices must not write
   * row by row); for an endpoint listed twice the later entry wins. Unknown
   * endpoints are skipped. The pushes' traces go in the same write: one per
   * session, device and push type, a later one replacing an earlier one
   * (keeping its shownAt).
   */
  recordOutcomes(records: readonly OutcomeRecord[], traces?: readonly NewPushTrace[]): Promise<void>;
  /** The traces of a session's pushes, oldest first. */
  listPushTraces(sessionId: string): Promise<PushTrace[]>;
  /** Records that a device showed the session's ring (before or after the ring's outcome was written). */
  recordShown(report: ShownReport): Promise<void>;
  /** The newest schema version applied to the storage (readiness: migrations done). */
  schemaVersion(): Promise<number>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
