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

/** A ring the CometChat webhook started, kept so it is stopped once, by whichever sender instance gets there first. */
export interface NewRing {
  sessionId: string;
  uid: string;
  /** rung as a member of a group call: only that member's own end events stop it */
  group: boolean;
  ringUntil: Date;
}

/**
 * Which still-ringing rings of a session an end event stops (any that match):
 * every one, those of one-to-one calls, and/or one callee's.
 */
export interface RingSelector {
  everyone?: boolean;
  oneToOne?: boolean;
  uid?: string;
}

/** The decline/answer token a ring carried (its JWT id), valid until used, its ring ends, or `expiresAt`. */
export interface NewRingToken {
  jti: string;
  sessionId: string;
  uid: string;
  expiresAt: Date;
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
  /** Records a ring; false when this callee was already rung for this session. Atomic. */
  recordRing(ring: NewRing): Promise<boolean>;
  /**
   * Marks the selected rings of a session ended and returns their callees;
   * a ring already ended (here or by another instance) is not returned again. Atomic.
   */
  endRings(sessionId: string, selector: RingSelector, reason: string, at: Date): Promise<string[]>;
  /** Keeps a ring's token until it is used, the ring ends or it expires. */
  recordRingToken(token: NewRingToken): Promise<void>;
  /**
   * Uses a ring token: true once, for a token recorded, not expired at `at`
   * and whose ring has not ended; false ever after, on any instance. Atomic.
   */
  useRingToken(jti: string, at: Date): Promise<boolean>;
  /** The ring of `uid` for `sessionId` is over: its tokens act no more. */
  endRingTokens(sessionId: string, uid: string): Promise<void>;
  /** Forgets event ids received, and rings due, before `before`. */
  pruneCallRecords(before: Date): Promise<void>;
  /**
   * Many outcomes in one write (a ring to thousands of devices must not write
   * row by row); for an endpoint listed twice the later entry wins. Unknown
   * endpoints are skipped.
   */
  recordOutcomes(records: readonly OutcomeRecord[]): Promise<void>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
