import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RING_CALLER, type TestRingResponse } from '../../protocol/api';
import { startTestSender, type TestSender } from '../support/sender';

let s: TestSender;
beforeAll(async () => {
  s = await startTestSender({ subscriptionWritesPerMinute: 1000 });
});
afterAll(() => s.close());

const testRing = async (uid: string | undefined, payload: unknown) =>
  s.inject({
    method: 'POST',
    url: '/api/push/test-ring',
    headers: uid ? { authorization: `Bearer ${await s.userToken(uid)}` } : {},
    payload: payload as object,
  });

describe('POST /api/push/test-ring', () => {
  it("rings only the device asked for, with a test session id and a caller name that says it's a test", async () => {
    const laptop = await s.addDevice('ada');
    const phone = await s.addDevice('ada');
    const before = Date.now();
    const res = await testRing('ada', { endpoint: laptop.endpoint });
    expect(res.statusCode).toBe(200);
    const body = res.json<TestRingResponse>();
    expect(body).toMatchObject({ devices: 1, delivered: 1, failed: 0, purged: 0, pending: 0 });
    expect(body.sessionId).toMatch(/^test\.[0-9a-f-]{36}$/);
    expect(body.sentAt).toBeGreaterThanOrEqual(before);

    const [got] = await s.push.waitForCount(laptop.id, 1);
    expect(got!.headers.urgency).toBe('high');
    expect(got!.payload).toMatchObject({ type: 'incoming_call', sessionId: body.sessionId, callerName: TEST_RING_CALLER, callerUid: 'ada', timestamp: body.sentAt });
    expect(phone.received).toHaveLength(0);
    // Each test ring is a new session: two tests never share a Topic.
    const again = await testRing('ada', { endpoint: laptop.endpoint });
    expect(again.json<TestRingResponse>().sessionId).not.toBe(body.sessionId);
  });

  // Was 403 not_your_device: that told a stranger the endpoint is registered.
  it("refuses another user's device with the answer for an unknown one (404) and rings nothing", async () => {
    const theirs = await s.addDevice('grace');
    const res = await testRing('mallory', { endpoint: theirs.endpoint });
    const unknown = await testRing('mallory', { endpoint: s.push.endpoint() });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(unknown.json());
    expect(theirs.received).toHaveLength(0);
  });

  it('answers 404 for an endpoint the sender does not hold', async () => {
    const res = await testRing('ada', { endpoint: s.push.endpoint() });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('device_not_found');
  });

  it.each([
    ['no endpoint', {}],
    ['an empty endpoint', { endpoint: '' }],
    ['a number', { endpoint: 42 }],
  ])('refuses %s with a 400', async (_what, payload) => {
    const res = await testRing('ada', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('needs a user token', async () => {
    const res = await testRing(undefined, { endpoint: s.push.endpoint() });
    expect(res.statusCode).toBe(401);
  });

  it('allows 6 test rings a minute per user, then answers 429', async () => {
    const device = await s.addDevice('eager');
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await testRing('eager', { endpoint: device.endpoint })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    await s.push.waitForCount(device.id, 6);
    expect(device.received).toHaveLength(6);
    const other = await s.addDevice('patient');
    expect((await testRing('patient', { endpoint: other.endpoint })).statusCode).toBe(200);
  });
});
