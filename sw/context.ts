/**
 * What the handlers need from the worker, as small interfaces: sw.ts adapts
 * the real globals, tests pass fakes that record calls. Only the members the
 * handlers use are listed.
 */
import type { CallLog, SettingsStore } from '../browser-shared/call-log';
import type { WorkerToPageMessage } from '../browser-shared/messages';
import type { NotificationSpec } from './notification-options';

/** A notification on screen, as `registration.getNotifications()` returns it. */
export interface ShownNotification {
  readonly tag: string;
  readonly data: unknown;
  /** Chromium with the incoming-call scenario: the scenario it shows the notification with */
  readonly scenario?: string;
  close(): void;
}

export interface PushSubscriptionJSONLike {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

export interface PushSubscriptionLike {
  readonly endpoint: string;
  toJSON(): PushSubscriptionJSONLike;
}

export interface SwRegistration {
  showNotification(title: string, options: NotificationSpec['options']): Promise<void>;
  getNotifications(): Promise<readonly ShownNotification[]>;
  pushManager: {
    getSubscription(): Promise<PushSubscriptionLike | null>;
    subscribe(options: { userVisibleOnly: true; applicationServerKey: Uint8Array<ArrayBuffer> }): Promise<PushSubscriptionLike>;
  };
}

export interface WindowClientLike {
  readonly url: string;
  readonly focused?: boolean;
  focus(): Promise<unknown>;
  /** Resolves to null when the window left the origin; rejects for an uncontrolled window. */
  navigate(url: string): Promise<unknown>;
  postMessage(message: WorkerToPageMessage): void;
}

export interface SwClients {
  /** Always called as matchAll({ type: 'window', includeUncontrolled: true }). */
  matchAll(options: { type: 'window'; includeUncontrolled: true }): Promise<readonly WindowClientLike[]>;
  openWindow(url: string): Promise<unknown>;
}

export interface FetchInit {
  method: 'POST' | 'DELETE' | 'PUT';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type SwFetch = (url: string, init: FetchInit) => Promise<{ ok: boolean; status: number }>;

export interface SwContext {
  registration: SwRegistration;
  clients: SwClients;
  fetch: SwFetch;
  /** ms since the epoch */
  now(): number;
  /** the worker's origin, e.g. "https://app.example.com" */
  origin: string;
  callLog: CallLog;
  settings: SettingsStore;
  log(message: string, detail?: unknown): void;
  /** `'scenario' in Notification.prototype`: the browser knows the incoming-call scenario */
  incomingCallScenario?(): boolean;
}

/** The open windows of the origin, uncontrolled ones too (a page loaded before the worker). */
export function windowClients(ctx: SwContext): Promise<readonly WindowClientLike[]> {
  return ctx.clients.matchAll({ type: 'window', includeUncontrolled: true });
}

export async function postToWindows(ctx: SwContext, message: WorkerToPageMessage): Promise<void> {
  for (const client of await windowClients(ctx)) {
    try {
      client.postMessage(message);
    } catch (error) {
      ctx.log('postMessage to a window failed', error);
    }
  }
}

/** How long a read may hold up a notification (see bestEffort). */
export const STORE_READ_BUDGET_MS = 1_000;

/**
 * Runs a call-log or settings step without letting it cost the notification:
 * IndexedDB can be unavailable (private modes), fail mid-transaction, or hang
 * (WebKit has lost IndexedDB connections of suspended workers). With
 * `budgetMs`, gives up waiting after that long.
 */
export async function bestEffort<T>(
  ctx: SwContext,
  what: string,
  step: () => Promise<T>,
  budgetMs?: number,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const work = step();
    if (budgetMs === undefined) return await work;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        ctx.log(`${what} took longer than ${budgetMs} ms; going on without it`);
        resolve(undefined);
      }, budgetMs);
    });
    return await Promise.race([work, timeout]);
  } catch (error) {
    ctx.log(`${what} failed`, error);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
