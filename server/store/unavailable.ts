import type { DeviceStore } from './types';

/** The store cannot be reached right now (connection lost, database restarting): the API answers 503. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(cause: unknown) {
    super('the device store cannot be reached', { cause });
  }
}

/** Socket-level failures, as Node and the pg driver report them. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's own errors for a connection that went away or never came, which carry no code. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection is closed/i;

/**
 * Whether an error means "the database is out of reach for now" rather than
 * "this query is wrong": SQLSTATE class 08 (connection exception), 57P01–03
 * (server shutting down or starting), 53300 (too many connections), 57014
 * (statement timeout), and SQLite's busy lock.
 */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (NETWORK_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300' || code === '57014') return true;
  if (code === 'SQLITE_BUSY') return true;
  return DRIVER_MESSAGES.test(err.message);
}

/**
 * The same store, whose calls fail with StoreUnavailableError when the
 * database is out of reach, so a request gets a clear 503 instead of a 500.
 * The driver reconnects by itself (pg's pool opens a new connection on the
 * next use); nothing is retried here.
 */
export function reportUnavailable(store: DeviceStore): DeviceStore {
  return onStoreError(store, (err) => (isUnavailable(err) ? new StoreUnavailableError(err) : err));
}

/** The same store, each failing call's error passed through `map` (which returns what to throw). */
export function onStoreError(store: DeviceStore, map: (err: unknown) => unknown): DeviceStore {
  const guarded: Record<string, unknown> = { ...store };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || name === 'close') continue;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } catch (err) {
        throw map(err);
      }
    };
  }
  return guarded as unknown as DeviceStore;
}
