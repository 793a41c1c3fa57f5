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
    version: 4,
    name: 'last delivery per device',
    // A user's devices are capped: the one longest without a delivery goes first.
    statements: (t) => [`ALTER TABLE devices ADD COLUMN last_delivered_at ${t.timestamp}`],
  },
];

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
