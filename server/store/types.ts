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
   * Insert, or update by endpoint: keys, user agent and owner are replaced (a
   * browser whose user signs in as someone else moves to them).
   * `created` is true when the endpoint was new.
   */
  upsert(device: NewDevice): Promise<{ device: Device; created: boolean }>;
  findByEndpoint(endpoint: string): Promise<Device | undefined>;
  listByUser(uid: string): Promise<Device[]>;
  /** Removes a device of this user; false when the user had no such endpoint. */
  remove(uid: string, endpoint: string): Promise<boolean>;
  /**
   * Deletes a device the push service declared gone (404/410), unless it was
   * registered again after `notUpdatedSince` (the browser re-subscribed meanwhile).
   */
  purge(endpoint: string, notUpdatedSince: Date): Promise<boolean>;
  recordOutcome(endpoint: string, outcome: string, at: Date): Promise<void>;
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
