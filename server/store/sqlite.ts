import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { securePrivateDir, touchPrivate } from '../data-dir';
import { createMigrationsTable, pendingMigrations } from './migrations';
import { toDevice, type DeviceRow as Row } from './device-row';
import { EndpointTakenError, type DeviceStore, type NewDevice, type NewRing, type OutcomeRecord } from './types';
import { PruneClock } from './prune-clock';
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
  const recordOutcomes = db.transaction((records: readonly OutcomeRecord[]) => {
    for (const r of records) recordOutcome.run({ outcome: r.outcome, at: r.at.getTime(), endpoint: r.endpoint });
  });
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
  const recordRing = db.prepare<[string, string, number, number]>(
    `INSERT INTO call_rings (session_id, uid, group_call, ring_until) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_id, uid) DO NOTHING`,
  );
  type EndParams = { at: number; reason: string; sessionId: string; everyone: number; oneToOne: number; uid: string | null };
  const endRings = db.prepare<[EndParams], { uid: string }>(
    `UPDATE call_rings SET ended_at = @at, end_reason = @reason
     WHERE session_id = @sessionId AND ended_at IS NULL
       AND (@everyone = 1 OR (@oneToOne = 1 AND group_call = 0) OR uid = @uid)
     RETURNING uid`,
  );
  const recordRingToken = db.prepare<[string, string, string, number]>(
    'INSERT INTO ring_tokens (jti, session_id, uid, expires_at) VALUES (?, ?, ?, ?)',
  );
  const useRingToken = db.prepare<[string, number]>('DELETE FROM ring_tokens WHERE jti = ? AND expires_at > ?');
  const endRingTokens = db.prepare<[string, string]>('DELETE FROM ring_tokens WHERE session_id = ? AND uid = ?');
  const pruneRingTokens = db.prepare<[number]>('DELETE FROM ring_tokens WHERE expires_at <= ?');
  const tokenPrune = new PruneClock();
  const pruneEvents = db.prepare<[number]>('DELETE FROM webhook_events WHERE received_at < ?');
  const pruneRings = db.prepare<[number]>('DELETE FROM call_rings WHERE ring_until < ?');

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
      recordOutcomes([{ endpoint, outcome, at }]);
    },
    async recordOutcomes(records) {
      recordOutcomes(records);
    },
    async claimEvent(id, at) {
      return claimEvent.run(id, at.getTime()).changes > 0;
    },
    async releaseEvent(id) {
      releaseEvent.run(id);
    },
    async recordRing(ring: NewRing) {
      return recordRing.run(ring.sessionId, ring.uid, ring.group ? 1 : 0, ring.ringUntil.getTime()).changes > 0;
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
        })
        .map((r) => r.uid);
    },
    async recordRingToken(token) {
      const now = Date.now();
      if (tokenPrune.due(now)) pruneRingTokens.run(now);
      recordRingToken.run(token.jti, token.sessionId, token.uid, token.expiresAt.getTime());
    },
    async useRingToken(jti, at) {
      return useRingToken.run(jti, at.getTime()).changes > 0;
    },
    async endRingTokens(sessionId, uid) {
      endRingTokens.run(sessionId, uid);
    },
    async pruneCallRecords(before) {
      pruneEvents.run(before.getTime());
      pruneRings.run(before.getTime());
    },
    async ping() {
      if (ping.get()?.ok !== 1) throw new Error('SQLite ping returned no row');
    },
    async close() {
      if (db.open) db.close();
    },
  });
}
