import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { CallState } from '../../browser-shared/call-log';
import { handleNotificationClose } from '../../sw/handle-close';
import { makeHarness, NOW } from './fakes';

const ID = 's.1';
const ringingData = { kind: 'ringing', sessionId: ID, callerName: 'Ada', callType: 'audio' };

async function withCall(state: CallState) {
  const h = makeHarness();
  await h.stores.callLog.put({ sessionId: ID, callerName: 'Ada', callType: 'audio', receivedAt: NOW, state });
  return h;
}

describe('handleNotificationClose', () => {
  it('records the dismissal of a ringing call, not a decline', async () => {
    const h = await withCall('ringing');
    expect(await handleNotificationClose(h.ctx, { data: ringingData })).toBe(true);
    expect(await h.stores.callLog.get(ID)).toMatchObject({ state: 'dismissed' });
    expect((await h.stores.callLog.get(ID))?.reason).toBeUndefined();
    expect(h.fetch.calls).toEqual([]);
  });

  it.each<CallState>(['missed', 'ended', 'declined', 'accepted'])('leaves a %s call as it is', async (state) => {
    const h = await withCall(state);
    expect(await handleNotificationClose(h.ctx, { data: ringingData })).toBe(false);
    expect((await h.stores.callLog.get(ID))?.state).toBe(state);
  });

  it.each([
    ['a missed-call notification', { kind: 'missed', sessionId: ID }],
    ['a generic notification', { kind: 'generic' }],
    ['no data', undefined],
  ])('ignores %s', async (_, data) => {
    const h = await withCall('ringing');
    expect(await handleNotificationClose(h.ctx, { data })).toBe(false);
    expect((await h.stores.callLog.get(ID))?.state).toBe('ringing');
  });
});
