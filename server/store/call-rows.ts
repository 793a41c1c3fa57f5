import type { CallType } from '../../protocol/payload';
import type { EndedRing, OutboxEvent, RingSource } from './types';

/** A call_rings row as RETURNING gives it back in both dialects. */
export interface EndedRingRow {
  session_id: string;
  uid: string;
  caller_uid: string | null;
  source: string;
  caller_name: string | null;
  call_type: string | null;
}

export function toEndedRing(row: EndedRingRow): EndedRing {
  return { sessionId: row.session_id, uid: row.uid, callerUid: row.caller_uid, source: row.source as RingSource, callerName: row.caller_name, callType: row.call_type as CallType | null };
}

export const ENDED_RING_COLUMNS = 'session_id, uid, caller_uid, source, caller_name, call_type';

/** A call_events row; times are Dates (PostgreSQL) or ms numbers (SQLite). */
export interface OutboxRow {
  id: string;
  type: string;
  body: string;
  created_at: Date | number;
  attempts: number;
}

export function toOutboxEvent(row: OutboxRow): OutboxEvent {
  return { id: row.id, type: row.type, body: row.body, createdAt: new Date(row.created_at), attempts: Number(row.attempts) };
}
