import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { handlePageMessage } from '../../sw/handle-message';
import { isWorkerToPageMessage, parsePageToWorkerMessage } from '../../browser-shared/messages';
import { makeHarness } from './fakes';

describe('isWorkerToPageMessage', () => {
  it.each<[unknown, boolean]>([
    [{ type: 'incoming_call', payload: { type: 'incoming_call', sessionId: 's' } }, true],
    [{ type: 'call_ended', sessionId: 's', reason: 'answered' }, true],
    [{ type: 'call_accepted', sessionId: 's' }, true],
    [{ type: 'call_ended', sessionId: 's', reason: 'exploded' }, false],
    [{ type: 'incoming_call', payload: { sessionId: 's' }, timings: { pushReceivedAt: 1, notificationShownAt: 2 } }, true],
    [{ type: 'incoming_call', payload: { sessionId: 's' }, timings: { pushReceivedAt: '1', notificationShownAt: 2 } }, false],
    [{ type: 'incoming_call' }, false],
    [{ type: 'call_accepted' }, false],
    [{ type: 'SKIP_WAITING' }, false],
    ['call_ended', false],
    [null, false],
  ])('%j → %s', (data, expected) => {
    expect(isWorkerToPageMessage(data)).toBe(expected);
  });
});

describe('parsePageToWorkerMessage', () => {
  it.each<[unknown, unknown]>([
    [{ type: 'SKIP_WAITING' }, { type: 'SKIP_WAITING' }],
    [
      { type: 'set_subscription_config', config: { vapidPublicKey: 'k', userToken: 't', senderUrl: 'https://push.example.com/x/' } },
      { type: 'set_subscription_config', config: { vapidPublicKey: 'k', userToken: 't', senderUrl: 'https://push.example.com' } },
    ],
    [{ type: 'set_subscription_config', config: { vapidPublicKey: 'k' } }, undefined],
    [{ type: 'set_subscription_config', config: { vapidPublicKey: 'k', userToken: 't', senderUrl: 'javascript:alert(1)' } }, undefined],
    [{ type: 'skip_waiting' }, undefined],
    ['SKIP_WAITING', undefined],
    [undefined, undefined],
  ])('%j', (data, expected) => {
    expect(parsePageToWorkerMessage(data)).toEqual(expected);
  });
});

describe('handlePageMessage', () => {
  it('activates the waiting worker on SKIP_WAITING, and only then', async () => {
    const h = makeHarness();
    let skipped = 0;
    const skipWaiting = async () => void skipped++;
    await handlePageMessage(h.ctx, { type: 'hello' }, skipWaiting);
    expect(skipped).toBe(0);
    await handlePageMessage(h.ctx, { type: 'SKIP_WAITING' }, skipWaiting);
    expect(skipped).toBe(1);
  });

  it('stores a subscription config and ignores an invalid one', async () => {
    const h = makeHarness();
    await handlePageMessage(h.ctx, { type: 'set_subscription_config', config: { userToken: 't' } }, async () => {});
    expect(await h.stores.settings.getSubscriptionConfig()).toBeUndefined();
    await handlePageMessage(h.ctx, { type: 'set_subscription_config', config: { vapidPublicKey: 'k', userToken: 't' } }, async () => {});
    expect(await h.stores.settings.getSubscriptionConfig()).toEqual({ vapidPublicKey: 'k', userToken: 't' });
  });
});
