import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createMigrationsTable, pendingMigrations } from './migrations';
import { toDevice, type DeviceRow as Row } from './device-row';
import { ENDED_RING_COLUMNS, toEndedRing, toOutboxEvent, type EndedRingRow, type OutboxRow } from './call-rows';
import { toPushTrace, TRACE_ORDER, type TraceRow } from './trace-row';
import { EndpointTakenError, type DeviceStore, type NewDevice, type NewPushTrace, type NewRing, type OutcomeRecord } from './types';
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

function ringValues(ring: NewRing): unknown[] {
  return [ring.sessionId, ring.uid, ring.callerUid ?? null, ring.groupId ?? null, ring.group ? 1 : 0, ring.ringUntil, ring.source, ring.callerName ?? null, ring.callType ?? null];
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
  const updateDevices = `UPDATE devices AS d SET last_outcome = v.outcome, last_outcome_at = v.at,
      last_delivered_at = CASE WHEN v.outcome = 'delivered' THEN v.at ELSE d.last_delivered_at END
    FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(endpoint, outcome, at)
    WHERE d.endpoint = v.endpoint`;
  // The worker's "shown" may have come first: it is kept.
  const upsertTraces = `INSERT INTO push_traces (session_id, device_id, push_type, uid, push_service, sent_at, answer, retries, outcome, finished_at, recorded_at)
    SELECT *, v.finished_at FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::int[], $12::text[], $13::timestamptz[])
      AS v(session_id, device_id, push_type, uid, push_service, sent_at, answer, retries, outcome, finished_at)
    ON CONFLICT (session_id, device_id, push_type) DO UPDATE SET
      uid = excluded.uid, push_service = excluded.push_service, sent_at = excluded.sent_at, answer = excluded.answer,
      retries = excluded.retries, outcome = excluded.outcome, finished_at = excluded.finished_at, recorded_at = excluded.recorded_at`;
  const recordOutcomes = async (records: readonly OutcomeRecord[], traces: readonly NewPushTrace[] = []): Promise<void> => {
    // One row per endpoint (and per trace key), the last one: UPDATE … FROM and
    // ON CONFLICT would pick among duplicates arbitrarily, or refuse them.
    const latest = [...new Map(records.map((r) => [r.endpoint, r])).values()];
    const t = [...new Map(traces.map((r) => [`${r.sessionId}\n${r.deviceId}\n${r.type}`, r])).values()];
    const deviceParams = [latest.map((r) => r.endpoint), latest.map((r) => r.outcome), latest.map((r) => r.at)];
    if (t.length === 0) {
      await pool.query(updateDevices, deviceParams);
      return;
    }
    // One round trip for both: a data-modifying CTE runs whether or not the outer statement reads it.
    await pool.query(`WITH traced AS (${upsertTraces}) ${updateDevices}`, [
      ...deviceParams,
      t.map((r) => r.sessionId), t.map((r) => r.deviceId), t.map((r) => r.type), t.map((r) => r.uid), t.map((r) => r.pushService),
      t.map((r) => r.sentAt), t.map((r) => r.answer), t.map((r) => r.retries), t.map((r) => r.outcome), t.map((r) => r.finishedAt),
    ]);
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
    async recordRing(ring, options) {
      const conflict = options?.reopen
        ? `DO UPDATE SET caller_uid = excluded.caller_uid, group_id = excluded.group_id, group_call = excluded.group_call,
             ring_until = excluded.ring_until, source = excluded.source, caller_name = excluded.caller_name, call_type = excluded.call_type,
             ended_at = NULL, end_reason = NULL`
        : 'DO NOTHING';
      const { rowCount } = await pool.query(
        `INSERT INTO call_rings (session_id, uid, caller_uid, group_id, group_call, ring_until, source, caller_name, call_type)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (session_id, uid) ${conflict}`,
        ringValues(ring),
      );
      return (rowCount ?? 0) > 0;
    },
    async endRings(sessionId, selector, reason, at) {
      // A concurrent UPDATE of the same row waits for the first to commit, then
      // re-checks ended_at IS NULL: each ring is returned to one caller only.
      const { rows } = await pool.query<EndedRingRow>(
        `UPDATE call_rings SET ended_at = $1, end_reason = $2
         WHERE session_id = $3 AND ended_at IS NULL
           AND ($4::boolean OR ($5::boolean AND group_call = 0) OR uid = $6)
           AND ($7::timestamptz IS NULL OR ring_until = $7)
         RETURNING ${ENDED_RING_COLUMNS}`,
        [at, reason, sessionId, selector.everyone === true, selector.oneToOne === true, selector.uid ?? null, selector.ringUntil ?? null],
      );
      return rows.map(toEndedRing);
    },
    async endRingsBetween(parties, reason, at) {
      const { rows } = await pool.query<EndedRingRow>(
        `UPDATE call_rings SET ended_at = $1, end_reason = $2
         WHERE caller_uid = $3 AND ended_at IS NULL
           AND (($4::text IS NOT NULL AND uid = $4 AND group_call = 0) OR ($5::text IS NOT NULL AND group_id = $5))
         RETURNING ${ENDED_RING_COLUMNS}`,
        [at, reason, parties.callerUid, 'uid' in parties ? parties.uid : null, 'groupId' in parties ? parties.groupId : null],
      );
      return rows.map(toEndedRing);
    },
    async expireRings(now) {
      const { rows } = await pool.query<EndedRingRow>(
        `UPDATE call_rings SET ended_at = $1, end_reason = 'unanswered'
         WHERE ended_at IS NULL AND ring_until <= $1
         RETURNING ${ENDED_RING_COLUMNS}`,
        [now],
      );
      return rows.map(toEndedRing);
    },
    async pruneCallRecords(before) {
      await pool.query('DELETE FROM webhook_events WHERE received_at < $1', [before]);
      await pool.query('DELETE FROM call_rings WHERE ring_until < $1', [before]);
      await pool.query('DELETE FROM call_events WHERE (delivered_at IS NOT NULL OR gave_up_at IS NOT NULL) AND created_at < $1', [before]);
      await pool.query('DELETE FROM push_traces WHERE recorded_at < $1', [before]);
    },
    async enqueueEvent(event) {
      await pool.query('INSERT INTO call_events (id, type, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)', [
        event.id,
        event.type,
        event.body,
        event.at,
      ]);
    },
    async claimDueEvents(now, leaseUntil, limit) {
      // SKIP LOCKED: instances polling at once take different events instead of waiting on each other.
      const { rows } = await pool.query<OutboxRow>(
        `UPDATE call_events SET locked_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM call_events
                      WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $1
                        AND (locked_until IS NULL OR locked_until <= $1)
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, type, body, created_at, attempts`,
        [now, leaseUntil, limit],
      );
      return rows.map(toOutboxEvent);
    },
    async settleEvent(id, result) {
      if (result.kind === 'delivered') {
        await pool.query('UPDATE call_events SET delivered_at = $1, locked_until = NULL WHERE id = $2', [result.at, id]);
      } else {
        const column = result.kind === 'retry' ? 'next_attempt_at' : 'gave_up_at';
        await pool.query(`UPDATE call_events SET ${column} = $1, last_error = $2, locked_until = NULL WHERE id = $3`, [result.at, result.error, id]);
      }
    },
    async outboxStats() {
      const { rows } = await pool.query<{ pending: string; oldest: Date | null }>(
        'SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM call_events WHERE delivered_at IS NULL AND gave_up_at IS NULL',
      );
      return { pending: Number(rows[0]?.pending ?? 0), oldestCreatedAt: rows[0]?.oldest ?? null };
    },
    async listPushTraces(sessionId) {
      const { rows } = await pool.query<TraceRow<Date>>(`SELECT * FROM push_traces WHERE session_id = $1 ${TRACE_ORDER}`, [sessionId]);
      return rows.map(toPushTrace);
    },
    async recordShown(r) {
      await pool.query(
        `INSERT INTO push_traces (session_id, device_id, push_type, uid, push_service, shown_at, recorded_at)
         VALUES ($1, $2, 'ring', $3, $4, $5, $5)
         ON CONFLICT (session_id, device_id, push_type) DO UPDATE SET shown_at = excluded.shown_at`,
        [r.sessionId, r.deviceId, r.uid, r.pushService, r.at],
      );
    },
    async schemaVersion() {
      const { rows } = await pool.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
      return rows[0]?.version ?? 0;
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
