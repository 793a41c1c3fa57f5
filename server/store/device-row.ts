import type { Device } from './types';

/** A devices row as both dialects return it; times are Dates (PostgreSQL) or ms numbers (SQLite). */
export interface DeviceRow<Time extends Date | number> {
  id: string;
  uid: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: Time;
  updated_at: Time;
  last_outcome: string | null;
  last_outcome_at: Time | null;
}

export function toDevice(row: DeviceRow<Date | number>): Device {
  return {
    id: row.id,
    uid: row.uid,
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    userAgent: row.user_agent,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastOutcome: row.last_outcome,
    lastOutcomeAt: row.last_outcome_at === null ? null : new Date(row.last_outcome_at),
  };
}
