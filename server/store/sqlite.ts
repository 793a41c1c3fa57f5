import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { securePrivateDir, touchPrivate } from '../data-dir';
import { createMigrationsTable, pendingMigrations } from './migrations';
import { toDevice, type DeviceRow as Row } from './device-row';
import { ENDED_RING_COLUMNS, toEndedRing, toOutboxEvent, type EndedRingRow, type OutboxRow } from './call-rows';
import { toPushTrace, TRACE_ORDER, type TraceRow } from './trace-row';
import { EndpointTakenError, type DeviceStore, type NewDevice, type NewPushTrace, type NewRing, type OutcomeRecord, type OutboxResult, type ShownReport } from './types';
import { reportUnavailable } from './unavailable';

type DeviceRow = Row<number>;

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock up front, so two processes opening a fresh
  // file at once serialise here instead of both applying version 1.
  db.transaction(() => {
    db.exec(createMigrationsTable);
    const applied = db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
      .all()
      .map((r) => r.version);
    const record = db.prepare<[number]>('INSERT INTO schema_migrations (version) VALUES (?)');
    for (const m of pendingMigrations('sqlite', applied)) {
      for (const sql of m.statements) db.exec(sql);
      record.run(m.version);
    }
  }).immediate();
}

/** A device store in one SQLite file (created, with its directory, if missing). */
export async function openSqliteStore(file: string): Promise<DeviceStore> {
  if (file !== ':memory:') {
    // Devices are endpoints and keys: the data dir 0700, the database (and so its -wal, -shm) 0600.
    await securePrivateDir(dirname(file));
    await touchPrivate(file);
  }
  const db = new Database(file);
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // WAL's own recommendation: commits reach the OS at once and disk at checkpoints, so a
    // write (a ring's record, its outcomes) no longer waits for an fsync on the event loop.
    // Only a power cut or OS crash may lose the last moments' writes; the file stays sound.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  type UpsertParams = NewDevice & { id: string; now: number };
  // One statement, so a concurrent registration of the same endpoint (another
  // process) cannot slip in between a lookup and an insert.
  const upsert = db.prepare<[UpsertParams], DeviceRow>(
    `INSERT INTO devices (id, uid, endpoint, p256dh, auth, user_agent, created_at, updated_at)
     VALUES (@id, @uid, @endpoint, @p256dh, @auth, @userAgent, @now, @now)
     ON CONFLICT (endpoint) DO UPDATE SET
       uid = excluded.uid,
       p256dh = excluded.p256dh,
       auth = excluded.auth,
       user_agent = excluded.user_agent,
       updated_at = excluded.updated_at
     WHERE devices.uid = excluded.uid OR (devices.p256dh = excluded.p256dh AND devices.auth = excluded.auth)
     RETURNING *`,
  );
  const findByEndpoint = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE endpoint = ?');
  const listByUser = db.prepare<[string], DeviceRow>(
    'SELECT * FROM devices WHERE uid = ? ORDER BY created_at, id',
  );
  const remove = db.prepare<[string, string]>('DELETE FROM devices WHERE uid = ? AND endpoint = ?');
  const purge = db.prepare<[string, number]>('DELETE FROM devices WHERE endpoint = ? AND updated_at <= ?');
  const recordOutcome = db.prepare<{ outcome: string; at: number; endpoint: string }>(
    `UPDATE devices SET last_outcome = @outcome, last_outcome_at = @at,
       last_delivered_at = CASE WHEN @outcome = 'delivered' THEN @at ELSE last_delivered_at END
     WHERE endpoint = @endpoint`,
  );
  type TraceParams = Omit<NewPushTrace, 'sentAt' | 'finishedAt'> & { sentAt: number | null; finishedAt: number };
  // The worker's "shown" may have come first: it is kept.
  const recordTrace = db.prepare<[TraceParams]>(
    `INSERT INTO push_traces (session_id, device_id, push_type, uid, push_service, sent_at, answer, retries, outcome, finished_at, recorded_at)
     VALUES (@sessionId, @deviceId, @type, @uid, @pushService, @sentAt, @answer, @retries, @outcome, @finishedAt, @finishedAt)
     ON CONFLICT (session_id, device_id, push_type) DO UPDATE SET
       uid = excluded.uid, push_service = excluded.push_service, sent_at = excluded.sent_at, answer = excluded.answer,
       retries = excluded.retries, outcome = excluded.outcome, finished_at = excluded.finished_at, recorded_at = excluded.recorded_at`,
  );
  const recordShown = db.prepare<[Omit<ShownReport, 'at'> & { at: number }]>(
    `INSERT INTO push_traces (session_id, device_id, push_type, uid, push_service, shown_at, recorded_at)
     VALUES (@sessionId, @deviceId, 'ring', @uid, @pushService, @at, @at)
     ON CONFLICT (session_id, device_id, push_type) DO UPDATE SET shown_at = excluded.shown_at`,
  );
  const listTraces = db.prepare<[string], TraceRow<number>>(`SELECT * FROM push_traces WHERE session_id = ? ${TRACE_ORDER}`);
  const recordOutcomes = db.transaction((records: readonly OutcomeRecord[], traces: readonly NewPushTrace[]) => {
    for (const r of records) recordOutcome.run({ outcome: r.outcome, at: r.at.getTime(), endpoint: r.endpoint });
    for (const t of traces) recordTrace.run({ ...t, sentAt: t.sentAt?.getTime() ?? null, finishedAt: t.finishedAt.getTime() });
  });
  const schemaVersion = db.prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  const trimDevices = db.prepare<{ uid: string; keep: string; max: number }>(
    `DELETE FROM devices WHERE uid = @uid AND id NOT IN (
       SELECT id FROM devices WHERE uid = @uid
       ORDER BY endpoint = @keep DESC, MAX(COALESCE(last_delivered_at, 0), updated_at) DESC, id
       LIMIT @max)`,
  );
  const ping = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
  const releaseEvent = db.prepare<[string]>('DELETE FROM webhook_events WHERE id = ?');
  const claimEvent = db.prepare<[string, number]>(
    'INSERT INTO webhook_events (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
  );
  type RingParams = { sessionId: string; uid: string; callerUid: string | null; groupId: string | null; group: number; ringUntil: number; source: string; callerName: string | null; callType: string | null };
  const ringValues = '(@sessionId, @uid, @callerUid, @groupId, @group, @ringUntil, @source, @callerName, @callType)';
  const ringColumns = '(session_id, uid, caller_uid, group_id, group_call, ring_until, source, caller_name, call_type)';
  const recordRing = db.prepare<[RingParams]>(`INSERT INTO call_rings ${ringColumns} VALUES ${ringValues} ON CONFLICT (session_id, uid) DO NOTHING`);
  const reopenRing = db.prepare<[RingParams]>(
    `INSERT INTO call_rings ${ringColumns} VALUES ${ringValues}
     ON CONFLICT (session_id, uid) DO UPDATE SET caller_uid = excluded.caller_uid, group_id = excluded.group_id,
       group_call = excluded.group_call, ring_until = excluded.ring_until, source = excluded.source,
       caller_name = excluded.caller_name, call_type = excluded.call_type, ended_at = NULL, end_reason = NULL`,
  );
  type EndParams = { at: number; reason: string; sessionId: string; everyone: number; oneToOne: number; uid: string | null; ringUntil: number | null };
  const endRings = db.prepare<[EndParams], EndedRingRow>(
    `UPDATE call_rings SET ended_at = @at, end_reason = @reason
     WHERE session_id = @sessionId AND ended_at IS NULL
       AND (@everyone = 1 OR (@oneToOne = 1 AND group_call = 0) OR uid = @uid)
       AND (@ringUntil IS NULL OR ring_until = @ringUntil)
     RETURNING ${ENDED_RING_COLUMNS}`,
  );
  type PartiesParams = { at: number; reason: string; callerUid: string; uid: string | null; groupId: string | null };
  const endRingsBetween = db.prepare<[PartiesParams], EndedRingRow>(
    `UPDATE call_rings SET ended_at = @at, end_reason = @reason
     WHERE caller_uid = @callerUid AND ended_at IS NULL
       AND ((@uid IS NOT NULL AND uid = @uid AND group_call = 0) OR (@groupId IS NOT NULL AND group_id = @groupId))
     RETURNING ${ENDED_RING_COLUMNS}`,
  );
  const expireRings = db.prepare<[{ now: number }], EndedRingRow>(
    `UPDATE call_rings SET ended_at = @now, end_reason = 'unanswered'
     WHERE ended_at IS NULL AND ring_until <= @now
     RETURNING ${ENDED_RING_COLUMNS}`,
  );
  const pruneEvents = db.prepare<[number]>('DELETE FROM webhook_events WHERE received_at < ?');
  const pruneRings = db.prepare<[number]>('DELETE FROM call_rings WHERE ring_until < ?');
  const pruneOutbox = db.prepare<[number]>(
    'DELETE FROM call_events WHERE (delivered_at IS NOT NULL OR gave_up_at IS NOT NULL) AND created_at < ?',
  );
  const enqueueEvent = db.prepare<[{ id: string; type: string; body: string; at: number }]>(
    'INSERT INTO call_events (id, type, body, created_at, next_attempt_at) VALUES (@id, @type, @body, @at, @at)',
  );
  // One statement: SQLite has one writer at a time, so two instances never lease the same event.
  const claimDueEvents = db.prepare<[{ now: number; leaseUntil: number; limit: number }], OutboxRow>(
    `UPDATE call_events SET locked_until = @leaseUntil, attempts = attempts + 1
     WHERE id IN (SELECT id FROM call_events
                  WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= @now
                    AND (locked_until IS NULL OR locked_until <= @now)
                  ORDER BY next_attempt_at LIMIT @limit)
     RETURNING id, type, body, created_at, attempts`,
  );
  const markDelivered = db.prepare<[number, string]>('UPDATE call_events SET delivered_at = ?, locked_until = NULL WHERE id = ?');
  const markRetry = db.prepare<[number, string, string]>(
    'UPDATE call_events SET next_attempt_at = ?, last_error = ?, locked_until = NULL WHERE id = ?',
  );
  const markGaveUp = db.prepare<[number, string, string]>(
    'UPDATE call_events SET gave_up_at = ?, last_error = ?, locked_until = NULL WHERE id = ?',
  );
  const outboxStats = db.prepare<[], { pending: number; oldest: number | null }>(
    'SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM call_events WHERE delivered_at IS NULL AND gave_up_at IS NULL',
  );
  const ringParams = (ring: NewRing): RingParams => ({
    sessionId: ring.sessionId,
    uid: ring.uid,
    callerUid: ring.callerUid ?? null,
    groupId: ring.groupId ?? null,
    group: ring.group ? 1 : 0,
    ringUntil: ring.ringUntil.getTime(),
    source: ring.source,
    callerName: ring.callerName ?? null,
    callType: ring.callType ?? null,
  });
  const pruneTraces = db.prepare<[number]>('DELETE FROM push_traces WHERE recorded_at < ?');

  return reportUnavailable({
    kind: 'sqlite',
    async upsert(device: NewDevice) {
      const id = randomUUID();
      const row = upsert.get({ ...device, id, now: Date.now() });
      // No row: the endpoint is another user's and these are not its keys.
      if (!row) throw new EndpointTakenError();
      // The fresh id only survives when the row was inserted rather than updated.
      return { device: toDevice(row), created: row.id === id };
    },
    async findByEndpoint(endpoint) {
      const row = findByEndpoint.get(endpoint);
      return row ? toDevice(row) : undefined;
    },
    async listByUser(uid) {
      return listByUser.all(uid).map(toDevice);
    },
    async remove(uid, endpoint) {
      return remove.run(uid, endpoint).changes > 0;
    },
    async trimDevices(uid, max, keepEndpoint) {
      return trimDevices.run({ uid, keep: keepEndpoint, max }).changes;
    },
    async purge(endpoint, notUpdatedSince) {
      return purge.run(endpoint, notUpdatedSince.getTime()).changes > 0;
    },
    async recordOutcome(endpoint, outcome, at) {
      recordOutcomes([{ endpoint, outcome, at }], []);
    },
    async recordOutcomes(records, traces = []) {
      recordOutcomes(records, traces);
    },
    async listPushTraces(sessionId) {
      return listTraces.all(sessionId).map(toPushTrace);
    },
    async recordShown(r) {
      recordShown.run({ ...r, at: r.at.getTime() });
    },
    async schemaVersion() {
      return schemaVersion.get()?.version ?? 0;
    },
    async claimEvent(id, at) {
      return claimEvent.run(id, at.getTime()).changes > 0;
    },
    async releaseEvent(id) {
      releaseEvent.run(id);
    },
    async recordRing(ring, options) {
      return (options?.reopen ? reopenRing : recordRing).run(ringParams(ring)).changes > 0;
    },
    async endRings(sessionId, selector, reason, at) {
      return endRings
        .all({
          at: at.getTime(),
          reason,
          sessionId,
          everyone: selector.everyone ? 1 : 0,
          oneToOne: selector.oneToOne ? 1 : 0,
          uid: selector.uid ?? null,
          ringUntil: selector.ringUntil?.getTime() ?? null,
        })
        .map(toEndedRing);
    },
    async endRingsBetween(parties, reason, at) {
      return endRingsBetween
        .all({
          at: at.getTime(),
          reason,
          callerUid: parties.callerUid,
          uid: 'uid' in parties ? parties.uid : null,
          groupId: 'groupId' in parties ? parties.groupId : null,
        })
        .map(toEndedRing);
    },
    async expireRings(now) {
      return expireRings.all({ now: now.getTime() }).map(toEndedRing);
    },
    async pruneCallRecords(before) {
      pruneEvents.run(before.getTime());
      pruneRings.run(before.getTime());
      pruneTraces.run(before.getTime());
      pruneOutbox.run(before.getTime());
    },
    async enqueueEvent(event) {
      enqueueEvent.run({ ...event, at: event.at.getTime() });
    },
    async claimDueEvents(now, leaseUntil, limit) {
      return claimDueEvents.all({ now: now.getTime(), leaseUntil: leaseUntil.getTime(), limit }).map(toOutboxEvent);
    },
    async settleEvent(id, result: OutboxResult) {
      if (result.kind === 'delivered') markDelivered.run(result.at.getTime(), id);
      else (result.kind === 'retry' ? markRetry : markGaveUp).run(result.at.getTime(), result.error, id);
    },
    async outboxStats() {
      const row = outboxStats.get();
      return { pending: row?.pending ?? 0, oldestCreatedAt: row?.oldest == null ? null : new Date(row.oldest) };
    },
    async ping() {
      if (ping.get()?.ok !== 1) throw new Error('SQLite ping returned no row');
    },
    async close() {
      if (db.open) db.close();
    },
  });
}
