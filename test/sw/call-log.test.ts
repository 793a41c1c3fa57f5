import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_LOG_RETENTION_MS, openRingKitStores, SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY, type CallRecord, type RingKitStores } from '../../browser-shared/call-log';
import { openDB } from 'idb';

let n = 0;
let stores: RingKitStores;
const open = (): RingKitStores => (stores = openRingKitStores(`call-log-test-${++n}`));
afterEach(() => stores?.close());

const record = (sessionId: string, receivedAt: number, state: CallRecord['state'] = 'ringing'): CallRecord => ({
  sessionId,
  callerName: 'Ada',
  callType: 'audio',
  receivedAt,
  ringUntil: receivedAt + 30_000,
  state,
});

describe('call log', () => {
  it('keeps a call by session id', async () => {
    const { callLog } = open();
    await callLog.put(record('s.1', 1_000));
    expect(await callLog.get('s.1')).toEqual(record('s.1', 1_000));
    expect(await callLog.get('s.2')).toBeUndefined();
  });

  it('changes the state of a known call, and of no unknown one', async () => {
    const { callLog } = open();
    await callLog.put(record('s.1', 1_000));
    expect(await callLog.setState('s.1', { state: 'missed', reason: 'cancelled' })).toMatchObject({ state: 'missed', reason: 'cancelled' });
    expect(await callLog.get('s.1')).toMatchObject({ state: 'missed', reason: 'cancelled', callerName: 'Ada' });
    expect(await callLog.setState('nope', { state: 'ended' })).toBeUndefined();
    expect(await callLog.get('nope')).toBeUndefined();
  });

  it('changes a state only from the states given', async () => {
    const { callLog } = open();
    await callLog.put(record('s.1', 1_000, 'missed'));
    expect(await callLog.setState('s.1', { state: 'dismissed' }, ['ringing'])).toBeUndefined();
    expect((await callLog.get('s.1'))?.state).toBe('missed');
  });

  it('lists recent calls newest first and prunes calls older than the retention', async () => {
    const { callLog } = open();
    const t = 10 * CALL_LOG_RETENTION_MS;
    await callLog.put(record('old', t - CALL_LOG_RETENTION_MS - 1));
    await callLog.put(record('a', t - 2_000));
    await callLog.put(record('b', t));
    expect((await callLog.recent(10)).map((r) => r.sessionId)).toEqual(['b', 'a']);
    expect((await callLog.recent(1)).map((r) => r.sessionId)).toEqual(['b']);
  });
});

describe('settings', () => {
  it('stores the subscription config under "subscription-config" in the "settings" store', async () => {
    const name = `call-log-test-${++n}`;
    stores = openRingKitStores(name);
    expect(await stores.settings.getSubscriptionConfig()).toBeUndefined();
    const config = { senderUrl: 'https://push.example.com', vapidPublicKey: 'BKey', userToken: 'u.t.k' };
    await stores.settings.setSubscriptionConfig(config);
    expect(await stores.settings.getSubscriptionConfig()).toEqual(config);

    await stores.close();
    const db = await openDB(name);
    expect(db.objectStoreNames.contains('calls')).toBe(true);
    expect(await db.get(SETTINGS_STORE, SUBSCRIPTION_CONFIG_KEY)).toEqual(config);
    db.close();
  });

  it('forgets the config when ringing is turned off, so the worker cannot re-subscribe', async () => {
    stores = openRingKitStores(`call-log-test-${++n}`);
    await stores.settings.setSubscriptionConfig({ vapidPublicKey: 'k', userToken: 't' });
    await stores.settings.clearSubscriptionConfig();
    expect(await stores.settings.getSubscriptionConfig()).toBeUndefined();
  });

  it('ignores a stored config that is not one', async () => {
    const name = `call-log-test-${++n}`;
    stores = openRingKitStores(name);
    await stores.settings.setSubscriptionConfig({ vapidPublicKey: 'k', userToken: 't' });
    await stores.close();
    const db = await openDB(name);
    await db.put(SETTINGS_STORE, { vapidPublicKey: 'k' }, SUBSCRIPTION_CONFIG_KEY);
    db.close();
    stores = openRingKitStores(name);
    expect(await stores.settings.getSubscriptionConfig()).toBeUndefined();
  });
});
