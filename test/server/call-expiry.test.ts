import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import webpush from 'web-push';
import { Tokens } from '../../server/auth/tokens';
import { CallService } from '../../server/calls';
import { CallEvents } from '../../server/events/call-events';
import { Deliverer } from '../../server/push/deliver';
import { createPushEncryptor } from '../../server/push/encryption';
import { createPushTransport } from '../../server/push/transport';
import { VapidHeaderCache } from '../../server/push/vapid-header';
import { openSqliteStore } from '../../server/store/sqlite';
import type { DeviceStore } from '../../server/store/types';

const TTL_S = 30;

/** A ring's own deadline ends it; a closed service (a host that embedded the sender lives on) touches nothing. */
describe('a ring ending unanswered on time', () => {
  let store: DeviceStore;
  let calls: CallService;
  /** expireRings calls, and the rings they ended */
  let sweeps: number;
  let expired: number;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    store = await openSqliteStore(':memory:');
    const expireRings = store.expireRings.bind(store);
    sweeps = 0;
    expired = 0;
    store.expireRings = async (now) => {
      sweeps += 1;
      const ended = await expireRings(now);
      expired += ended.length;
      return ended;
    };
    const logger = pino({ level: 'silent' });
    const keys = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@ringkit.example' };
    const deliverer = new Deliverer({ store, vapid: new VapidHeaderCache(keys), transport: createPushTransport(), encryptor: createPushEncryptor(0), logger });
    calls = new CallService({ store, deliverer, tokens: new Tokens('s'.repeat(32)), events: new CallEvents({ logger }), logger, ttlSeconds: TTL_S, answerWithinMs: 1000 });
    calls.startExpiring();
  });
  afterEach(async () => {
    calls.close();
    vi.useRealTimers();
    await store.close();
  });

  const ring = () => calls.ring({ recipientUid: 'ada', sessionId: 's.expiry', callerName: 'Grace', callerUid: 'grace', callType: 'audio' }, { source: 'test' });

  it('ends when its time is up', async () => {
    await ring();
    await vi.advanceTimersByTimeAsync(TTL_S * 1000 - 100);
    expect(expired).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(expired).toBe(1);
  });

  it('is left alone once the service closed: its timer no longer reads the store', async () => {
    await ring();
    calls.close();
    await vi.advanceTimersByTimeAsync(TTL_S * 1000 + 2000);
    expect(sweeps).toBe(0);
  });
});
