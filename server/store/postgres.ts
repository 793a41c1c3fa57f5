import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createMigrationsTable, pendingMigrations } from './migrations';
import { toDevice, type DeviceRow as Row } from './device-row';
import { EndpointTakenError, type DeviceStore, type NewDevice, type OutcomeRecord } from './types';
import { PruneClock } from './prune-clock';
import { reportUnavailable } from './unavailable';

/** Serialises migrations of one database across sender processes ("RingKit" in ASCII). */
const MIGRATION_LOCK_ID = 0x52696e674b6974n;

export interface PostgresStoreOptions {
  poolSize?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); default: console.warn. */
  onError?: (err: Error) => void;
}

type DeviceRow = Row<Date>;

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  // A checked-out client is not covered by the pool's error listener; without
  // one, a connection lost mid-migration would crash the process.
  const ignore = () => {};
  client.on('error', ignore);
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    // Held until COMMIT: concurrent starters wait here, then see the versions applied.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_ID.toString()]);
    await client.query(createMigrationsTable);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    for (const m of pendingMigrations('postgres', rows.map((r) => r.version))) {
      for (const sql of m.statements) await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
    }
    await client.query('COMMIT');
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.off('error', ignore);
    // Passing the error discards the connection instead of pooling a broken one.
    client.release(failure);
  }
}

/** A device store in a PostgreSQL database; applies missing migrations first. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<DeviceStore> {
  const onError =
    options.onError ?? ((err: Error) => console.warn(`ringkit: PostgreSQL connection error: ${err.message}`));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Fail fast when the server is unreachable instead of queueing forever.
    connectionTimeoutMillis: 3000,
    statement_timeout: 5000,
    // Client-side too: statement_timeout cannot fire when the network, not the server, hangs.
    query_timeout: 6000,
    keepAlive: true,
    application_name: 'ringkit',
  });
  // Idle clients emit 'error' when the server goes away; unhandled, that kills the process.
  pool.on('error', onError);

  try {
    await migrate(pool);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }

  let closed = false;
  const tokenPrune = new PruneClock();
  const recordOutcomes = async (records: readonly OutcomeRecord[]): Promise<void> => {
    // One row per endpoint, the last one: UPDATE … FROM would pick among duplicates arbitrarily.
    const latest = [...new Map(records.map((r) => [r.endpoint, r])).values()];
    await pool.query(
      `UPDATE devices AS d SET last_outcome = v.outcome, last_outcome_at = v.at,
         last_delivered_at = CASE WHEN v.outcome = 'delivered' THEN v.at ELSE d.last_delivered_at END
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(endpoint, outcome, at)
       WHERE d.endpoint = v.endpoint`,
      [latest.map((r) => r.endpoint), latest.map((r) => r.outcome), latest.map((r) => r.at)],
    );
  };

  return reportUnavailable({
    kind: 'postgres',
    async upsert(device: NewDevice) {
      const id = randomUUID();
      // ON CONFLICT is atomic even under concurrent inserts of the same endpoint.
      const { rows } = await pool.query<DeviceRow>(
        `INSERT INTO devices (id, uid, endpoint, p256dh, auth, user_agent, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (endpoint) DO UPDATE SET
           uid = excluded.uid,
           p256dh = excluded.p256dh,
           auth = excluded.auth,
           user_agent = excluded.user_agent,
           updated_at = excluded.updated_at
         WHERE devices.uid = excluded.uid OR (devices.p256dh = excluded.p256dh AND devices.auth = excluded.auth)
         RETURNING *`,
        [id, device.uid, device.endpoint, device.p256dh, device.auth, device.userAgent, new Date()],
      );
      const row = rows[0];
      // No row: the endpoint is another user's and these are not its keys.
      if (!row) throw new EndpointTakenError();
      // The fresh id only survives when the row was inserted rather than updated.
      return { device: toDevice(row), created: row.id === id };
    },
    async findByEndpoint(endpoint) {
      const { rows } = await pool.query<DeviceRow>('SELECT * FROM devices WHERE endpoint = $1', [endpoint]);
      const row = rows[0];
      return row ? toDevice(row) : undefined;
    },
    async listByUser(uid) {
      const { rows } = await pool.query<DeviceRow>(
        'SELECT * FROM devices WHERE uid = $1 ORDER BY created_at, id',
        [uid],
      );
      return rows.map(toDevice);
    },
    async remove(uid, endpoint) {
      const { rowCount } = await pool.query('DELETE FROM devices WHERE uid = $1 AND endpoint = $2', [
        uid,
        endpoint,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async trimDevices(uid, max, keepEndpoint) {
      const { rowCount } = await pool.query(
        `DELETE FROM devices WHERE uid = $1 AND id NOT IN (
           SELECT id FROM devices WHERE uid = $1
           ORDER BY endpoint = $2 DESC, GREATEST(last_delivered_at, updated_at) DESC, id
           LIMIT $3)`,
        [uid, keepEndpoint, max],
      );
      return rowCount ?? 0;
    },
    async purge(endpoint, notUpdatedSince) {
      const { rowCount } = await pool.query(
        'DELETE FROM devices WHERE endpoint = $1 AND updated_at <= $2',
        [endpoint, notUpdatedSince],
      );
      return (rowCount ?? 0) > 0;
    },
    async releaseEvent(id) {
      await pool.query('DELETE FROM webhook_events WHERE id = $1', [id]);
    },
    async claimEvent(id, at) {
      // ON CONFLICT DO NOTHING: of two instances inserting the same id at once, exactly one sees a row inserted.
      const { rowCount } = await pool.query(
        'INSERT INTO webhook_events (id, received_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
        [id, at],
      );
      return (rowCount ?? 0) > 0;
    },
    async recordRing(ring) {
      const { rowCount } = await pool.query(
        `INSERT INTO call_rings (session_id, uid, group_call, ring_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (session_id, uid) DO NOTHING`,
        [ring.sessionId, ring.uid, ring.group ? 1 : 0, ring.ringUntil],
      );
      return (rowCount ?? 0) > 0;
    },
    async endRings(sessionId, selector, reason, at) {
      // A concurrent UPDATE of the same row waits for the first to commit, then
      // re-checks ended_at IS NULL: each ring is returned to one caller only.
      const { rows } = await pool.query<{ uid: string }>(
        `UPDATE call_rings SET ended_at = $1, end_reason = $2
         WHERE session_id = $3 AND ended_at IS NULL
           AND ($4::boolean OR ($5::boolean AND group_call = 0) OR uid = $6)
         RETURNING uid`,
        [at, reason, sessionId, selector.everyone === true, selector.oneToOne === true, selector.uid ?? null],
      );
      return rows.map((r) => r.uid);
    },
    async recordRingToken(token) {
      const now = new Date();
      if (tokenPrune.due(now.getTime())) await pool.query('DELETE FROM ring_tokens WHERE expires_at <= $1', [now]);
      await pool.query('INSERT INTO ring_tokens (jti, session_id, uid, expires_at) VALUES ($1, $2, $3, $4)', [
        token.jti,
        token.sessionId,
        token.uid,
        token.expiresAt,
      ]);
    },
    async useRingToken(jti, at) {
      // Of two instances deleting the same row at once, the second waits, then finds none.
      const { rowCount } = await pool.query('DELETE FROM ring_tokens WHERE jti = $1 AND expires_at > $2', [jti, at]);
      return (rowCount ?? 0) > 0;
    },
    async endRingTokens(sessionId, uid) {
      await pool.query('DELETE FROM ring_tokens WHERE session_id = $1 AND uid = $2', [sessionId, uid]);
    },
    async pruneCallRecords(before) {
      await pool.query('DELETE FROM webhook_events WHERE received_at < $1', [before]);
      await pool.query('DELETE FROM call_rings WHERE ring_until < $1', [before]);
    },
    recordOutcome: (endpoint, outcome, at) => recordOutcomes([{ endpoint, outcome, at }]),
    recordOutcomes,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      // pool.end() throws when called twice.
      if (closed) return;
      closed = true;
      await pool.end();
    },
  });
}
