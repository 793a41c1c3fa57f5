import type { PushKind } from '../../protocol/api';
import type { PushTrace, TraceOutcome } from './types';

/** A push_traces row as both dialects return it; times are Dates (PostgreSQL) or ms numbers (SQLite). */
export interface TraceRow<Time extends Date | number> {
  session_id: string;
  device_id: string;
  push_type: string;
  uid: string;
  push_service: string;
  sent_at: Time | null;
  answer: string | null;
  retries: number;
  outcome: string | null;
  finished_at: Time | null;
  shown_at: Time | null;
}

const toDate = (t: Date | number | null): Date | null => (t === null ? null : new Date(t));

export function toPushTrace(row: TraceRow<Date | number>): PushTrace {
  return {
    sessionId: row.session_id,
    deviceId: row.device_id,
    uid: row.uid,
    type: row.push_type as PushKind,
    pushService: row.push_service,
    sentAt: toDate(row.sent_at),
    answer: row.answer,
    retries: row.retries,
    outcome: row.outcome as TraceOutcome | null,
    finishedAt: toDate(row.finished_at),
    shownAt: toDate(row.shown_at),
  };
}

/** Oldest first, by when sent (a push never sent, by when it ended), then device and type: the same order in both dialects. */
export const TRACE_ORDER = 'ORDER BY COALESCE(sent_at, finished_at, recorded_at), device_id, push_type';
