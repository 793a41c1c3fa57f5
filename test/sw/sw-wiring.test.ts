/**
 * sw.ts wires events to handlers: load it into a fake worker scope and check
 * each event reaches its handler through waitUntil.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClients, FakeRegistration, FakeWindow, ORIGIN } from './fakes';

type Listener = (event: Record<string, unknown>) => void;

const listeners = new Map<string, Listener[]>();
const registration = Object.assign(new FakeRegistration(), { scope: `${ORIGIN}/` });
const clients = new FakeClients([new FakeWindow(`${ORIGIN}/`)]);
let skipWaitingCalls = 0;
const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});

const scope = {
  __WB_MANIFEST: [{ url: 'index.html', revision: '1' }],
  location: new URL(`${ORIGIN}/sw.js`),
  registration,
  clients,
  skipWaiting: async () => void skipWaitingCalls++,
  addEventListener: (type: string, listener: Listener) => listeners.set(type, [...(listeners.get(type) ?? []), listener]),
};

/** Dispatches a fake extendable event and waits for what it handed to waitUntil. */
async function dispatch(type: string, fields: Record<string, unknown>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const event = { ...fields, waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  const handlers = listeners.get(type) ?? [];
  expect(handlers.length, `a ${type} listener`).toBeGreaterThan(0);
  for (const listener of handlers) listener(event);
  // Workbox listens to `message` too (CACHE_URLS), without waitUntil for ours.
  expect(pending.length, `${type} uses waitUntil`).toBeGreaterThan(0);
  await Promise.all(pending);
}

beforeAll(async () => {
  vi.stubGlobal('self', scope);
  vi.stubGlobal('location', scope.location); // workbox reads the bare global
  // A specifier TypeScript doesn't follow: sw.ts needs the WebWorker lib, which
  // the Node-typed test project (test/tsconfig.json) doesn't have.
  const entry = '../../sw/sw';
  await import(/* @vite-ignore */ entry);
});

afterAll(() => {
  vi.unstubAllGlobals();
  warn.mockRestore();
});

describe('sw.ts', () => {
  it('precaches and serves the app shell (install, activate and fetch listeners)', () => {
    expect([...listeners.keys()]).toEqual(expect.arrayContaining(['install', 'activate', 'fetch']));
  });

  it('shows a notification for a push', async () => {
    const ring = { type: 'incoming_call', sessionId: 's.1', callerName: 'Ada', callType: 'audio', timestamp: Date.now(), declineToken: 't' };
    await dispatch('push', { data: { text: () => JSON.stringify(ring) } });
    await dispatch('push', { data: null });
    expect(registration.visible().map((n) => n.title)).toEqual(['Incoming call from Ada', 'RingKit']);
    expect(clients.windows[0]!.messages.map((m) => m.type)).toEqual(['incoming_call']);
  });

  it("hands a mutable declarative push's event.notification to the handler (Safari shows it)", async () => {
    const before = registration.shown.length;
    const declared = { web_push: 8030, notification: { title: 'Your parcel', navigate: `${ORIGIN}/parcels` }, mutable: true };
    await dispatch('push', { data: { text: () => JSON.stringify(declared) }, notification: { title: 'Your parcel' } });
    expect(registration.shown).toHaveLength(before);
  });

  it('handles a click with its action', async () => {
    const notification = registration.visible()[0]!;
    await dispatch('notificationclick', { notification, action: 'accept' });
    expect(notification.closed).toBe(true);
    expect(clients.windows[0]!.navigations).toEqual([`${ORIGIN}/call/s.1?action=accept`]);
  });

  it('handles a close', async () => {
    await dispatch('notificationclose', { notification: registration.shown[0] });
  });

  it('activates on SKIP_WAITING', async () => {
    await dispatch('message', { data: { type: 'SKIP_WAITING' } });
    expect(skipWaitingCalls).toBe(1);
  });

  it('handles pushsubscriptionchange', async () => {
    await dispatch('pushsubscriptionchange', { oldSubscription: null, newSubscription: null });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/no subscription config/), '');
  });
});
