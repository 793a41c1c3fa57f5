/**
 * The device schema as ordered migrations, shared by the SQLite and
 * PostgreSQL stores. Append new migrations; never edit an applied one.
 */

export type Dialect = 'sqlite' | 'postgres';

/** Column types that differ between the dialects: the only dialect-specific part of the schema. */
interface ColumnTypes {
  /** SQLite keeps instants as integer epoch milliseconds; PostgreSQL as timestamptz. */
  timestamp: string;
}

const columnTypes: Record<Dialect, ColumnTypes> = {
  sqlite: { timestamp: 'INTEGER' },
  postgres: { timestamp: 'TIMESTAMPTZ' },
};

export interface Migration {
  version: number;
  name: string;
  /** Statements run in order, in one transaction together with recording the version. */
  statements: (types: ColumnTypes) => string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'devices',
    statements: (t) => [
      `CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        uid TEXT NOT NULL,
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        user_agent TEXT,
        created_at ${t.timestamp} NOT NULL,
        updated_at ${t.timestamp} NOT NULL,
        last_outcome TEXT,
        last_outcome_at ${t.timestamp}
      )`,
      'CREATE INDEX devices_uid_idx ON devices (uid)',
    ],
  },
  {
    version: 2,
    name: 'webhook events and rings',
    statements: (t) => [
      // CometChat retries a webhook event: its id, once seen, is never acted on again.
      `CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        received_at ${t.timestamp} NOT NULL
      )`,
      'CREATE INDEX webhook_events_received_at_idx ON webhook_events (received_at)',
      // One row per callee rung for a session; ended_at set once, by the first end.
      `CREATE TABLE call_rings (
        session_id TEXT NOT NULL,
        uid TEXT NOT NULL,
        group_call INTEGER NOT NULL,
        ring_until ${t.timestamp} NOT NULL,
        ended_at ${t.timestamp},
        end_reason TEXT,
        PRIMARY KEY (session_id, uid)
      )`,
      'CREATE INDEX call_rings_ring_until_idx ON call_rings (ring_until)',
    ],
  },
  {
    version: 3,
    name: 'every ring kept, with its parties; the call events outbox',
    statements: (t) => [
      // Every ring is recorded now (API, webhook, demo, test ring), so each is
      // stopped once and its end is told to the calling side once.
      'ALTER TABLE call_rings ADD COLUMN caller_uid TEXT',
      // the CometChat group a member was rung for (documented end events name only caller and group)
      'ALTER TABLE call_rings ADD COLUMN group_id TEXT',
      "ALTER TABLE call_rings ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook'",
      'CREATE INDEX call_rings_parties_idx ON call_rings (caller_uid, uid)',
      'CREATE INDEX call_rings_open_idx ON call_rings (ring_until) WHERE ended_at IS NULL',
      // Signed call events waiting for (or done with) delivery to RINGKIT_EVENTS_URL.
      `CREATE TABLE call_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at ${t.timestamp} NOT NULL,
        next_attempt_at ${t.timestamp} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        locked_until ${t.timestamp},
        delivered_at ${t.timestamp},
        gave_up_at ${t.timestamp},
        last_error TEXT
      )`,
      'CREATE INDEX call_events_due_idx ON call_events (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL',
    ],
  },
  {
    version: 4,
    name: 'push traces',
    statements: (t) => [
      // What happened to each push of a call on each device, for GET /api/calls/:sessionId;
      // kept a day (pruned with the call records). No endpoint, no keys.
      `CREATE TABLE push_traces (
        session_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        push_type TEXT NOT NULL,
        uid TEXT NOT NULL,
        push_service TEXT NOT NULL,
        sent_at ${t.timestamp},
        answer TEXT,
        retries INTEGER NOT NULL DEFAULT 0,
        outcome TEXT,
        finished_at ${t.timestamp},
        shown_at ${t.timestamp},
        recorded_at ${t.timestamp} NOT NULL,
        PRIMARY KEY (session_id, device_id, push_type)
      )`,
      'CREATE INDEX push_traces_recorded_at_idx ON push_traces (recorded_at)',
    ],
  },
  {
    version: 5,
    name: 'ring tokens',
    statements: (t) => [
      // A decline/answer token acts once and only while its ring lasts: its row
      // is deleted when used, when the ring ends, and once expired.
      `CREATE TABLE ring_tokens (
        jti TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        uid TEXT NOT NULL,
        expires_at ${t.timestamp} NOT NULL
      )`,
      'CREATE INDEX ring_tokens_ring_idx ON ring_tokens (session_id, uid)',
      'CREATE INDEX ring_tokens_expires_at_idx ON ring_tokens (expires_at)',
    ],
  },
  {
    version: 6,
    name: 'last delivery per device',
    // A user's devices are capped: the one longest without a delivery goes first.
    statements: (t) => [`ALTER TABLE devices ADD COLUMN last_delivered_at ${t.timestamp}`],
  },
  {
    version: 7,
    name: 'ring tokens dropped; who called, on the ring record',
    statements: () => [
      // A decline/answer acts once through the ring record it ends (call_rings.ended_at,
      // set once, atomically): a row per token was a second write per ring for the same rule.
      'DROP TABLE ring_tokens',
      // Who called, so any instance's stop can say "Missed call from …" in Safari's declarative notification.
      'ALTER TABLE call_rings ADD COLUMN caller_name TEXT',
      'ALTER TABLE call_rings ADD COLUMN call_type TEXT',
    ],
  },
];

/** The schema version this build expects: a store behind it is not ready. */
export const latestSchemaVersion = Math.max(...migrations.map((m) => m.version));

export const createMigrationsTable =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)';

/** Migrations not yet applied, oldest first, with their SQL for the dialect. */
export function pendingMigrations(
  dialect: Dialect,
  applied: Iterable<number>,
): { version: number; name: string; statements: string[] }[] {
  const done = new Set(applied);
  return [...migrations]
    .sort((a, b) => a.version - b.version)
    .filter((m) => !done.has(m.version))
    .map((m) => ({ version: m.version, name: m.name, statements: m.statements(columnTypes[dialect]) }));
}
