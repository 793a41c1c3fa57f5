/**
 * The worker's memory between events (a worker can be stopped at any time):
 * the calls it rang for, and the settings pushsubscriptionchange needs.
 * IndexedDB through `idb`; usable from the app's pages too (same origin).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CallEndReason, CallType } from '../protocol/payload';
import { parseCometChatCredentials, type CometChatCredentials } from './cometchat-credentials';
import { parseSubscriptionConfig, type SubscriptionConfig } from './subscription-config';

export const DB_NAME = 'ringkit';
export const DB_VERSION = 1;
export const CALLS_STORE = 'calls';
export const SETTINGS_STORE = 'settings';
export const SUBSCRIPTION_CONFIG_KEY = 'subscription-config';
export const COMETCHAT_CREDENTIALS_KEY = 'cometchat-credentials';
/** Calls older than this are pruned when a new one is recorded. */
export const CALL_LOG_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export type CallState = 'ringing' | 'missed' | 'ended' | 'declined' | 'accepted' | 'dismissed';

export interface CallRecord {
  sessionId: string;
  /** '' when only the call's end reached this device */
  callerName: string;
  callType: CallType;
  /** ms since the epoch, device clock */
  receivedAt: number;
  ringUntil?: number;
  /** from the ring's payload, so the call screen can decline too (?action=reject) */
  declineToken?: string;
  state: CallState;
  reason?: CallEndReason;
}

export interface CallLog {
  get(sessionId: string): Promise<CallRecord | undefined>;
  /** Inserts or replaces the record of a call. */
  put(record: CallRecord): Promise<void>;
  /**
   * Changes the state of a known call, in one transaction; with `onlyFrom`,
   * only when the call is in one of those states. Resolves to the updated
   * record, or undefined when the call is unknown or in another state.
   */
  setState(sessionId: string, change: StateChange, onlyFrom?: readonly CallState[]): Promise<CallRecord | undefined>;
  /** Newest first. */
  recent(limit: number): Promise<CallRecord[]>;
}

export interface StateChange {
  state: CallState;
  reason?: CallEndReason;
}

export interface SettingsStore {
  getSubscriptionConfig(): Promise<SubscriptionConfig | undefined>;
  setSubscriptionConfig(config: SubscriptionConfig): Promise<void>;
  /** After "stop ringing on this device": the worker must not subscribe again on its own. */
  clearSubscriptionConfig(): Promise<void>;
  /** The signed-in user's CometChat login, for telling CometChat answers given on a notification. */
  getCometChatCredentials(): Promise<CometChatCredentials | undefined>;
  setCometChatCredentials(credentials: CometChatCredentials): Promise<void>;
  clearCometChatCredentials(): Promise<void>;
}

interface RingKitDb extends DBSchema {
  calls: { key: string; value: CallRecord; indexes: { 'by-receivedAt': number } };
  settings: { key: string; value: unknown };
}

export interface RingKitStores {
  callLog: CallLog;
  settings: SettingsStore;
  close(): Promise<void>;
}

/**
 * Opens the database lazily, on first use, and again after a failed open or a
 * lost connection (Safari drops IndexedDB connections of suspended workers).
 */
export function openRingKitStores(name: string = DB_NAME): RingKitStores {
  let pending: Promise<IDBPDatabase<RingKitDb>> | undefined;
  const db = (): Promise<IDBPDatabase<RingKitDb>> => {
    pending ??= openDB<RingKitDb>(name, DB_VERSION, {
      upgrade(database) {
        const calls = database.createObjectStore(CALLS_STORE, { keyPath: 'sessionId' });
        calls.createIndex('by-receivedAt', 'receivedAt');
        database.createObjectStore(SETTINGS_STORE);
      },
      terminated() {
        pending = undefined;
      },
    }).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };

  const callLog: CallLog = {
    async get(sessionId) {
      return (await db()).get(CALLS_STORE, sessionId);
    },
    async put(record) {
      const tx = (await db()).transaction(CALLS_STORE, 'readwrite');
      await tx.store.put(record);
      const cutoff = record.receivedAt - CALL_LOG_RETENTION_MS;
      // Oldest first, up to the cutoff (no IDBKeyRange: this module also type-checks without DOM libs).
      let cursor = await tx.store.index('by-receivedAt').openCursor();
      while (cursor && cursor.value.receivedAt < cutoff) {
        await cursor.delete();
        cursor = await cursor.continue();
      }
      await tx.done;
    },
    async setState(sessionId, { state, reason }, onlyFrom) {
      const tx = (await db()).transaction(CALLS_STORE, 'readwrite');
      const record = await tx.store.get(sessionId);
      if (!record || (onlyFrom && !onlyFrom.includes(record.state))) {
        await tx.done;
        return undefined;
      }
      const updated: CallRecord = { ...record, state };
      if (reason) updated.reason = reason;
      else delete updated.reason;
      await tx.store.put(updated);
      await tx.done;
      return updated;
    },
    async recent(limit) {
      const out: CallRecord[] = [];
      let cursor = await (await db()).transaction(CALLS_STORE).store.index('by-receivedAt').openCursor(null, 'prev');
      while (cursor && out.length < limit) {
        out.push(cursor.value);
        cursor = await cursor.continue();
      }
      return out;
    },
  };

  const settings: SettingsStore = {
    async getSubscriptionConfig() {
      return parseSubscriptionConfig(await (await db()).get(SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY));
    },
    async setSubscriptionConfig(config) {
      await (await db()).put(SETTINGS_STORE, config, SUBSCRIPTION_CONFIG_KEY);
    },
    async clearSubscriptionConfig() {
      await (await db()).delete(SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY);
    },
    async getCometChatCredentials() {
      return parseCometChatCredentials(await (await db()).get(SETTINGS_STORE, COMETCHAT_CREDENTIALS_KEY));
    },
    async setCometChatCredentials(credentials) {
      await (await db()).put(SETTINGS_STORE, credentials, COMETCHAT_CREDENTIALS_KEY);
    },
    async clearCometChatCredentials() {
      await (await db()).delete(SETTINGS_STORE, COMETCHAT_CREDENTIALS_KEY);
    },
  };

  return {
    callLog,
    settings,
    async close() {
      const open = pending;
      pending = undefined;
      if (open) (await open.catch(() => undefined))?.close();
    },
  };
}
