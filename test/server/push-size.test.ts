/**
 * Nothing lost to size: a ring whose encrypted push would not fit every push
 * service is refused (400) before anything is sent, measured in bytes; and
 * no control character or bidi override reaches a notification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, MAX_LENGTHS } from '../../protocol/api';
import { MAX_PAYLOAD_BYTES, parsePushPayload } from '../../protocol/payload';
import { basicAuth, CALLEE, cometchatFixture } from '../support/cometchat';
import type { TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';

const WEBHOOK = { user: 'cometchat', password: 'a webhook password of some length' };
let s: TestSender;
let device: TestDevice;
let webhookDevice: TestDevice;
beforeAll(async () => {
  s = await startTestSender({ env: { COMETCHAT_WEBHOOK_USER: WEBHOOK.user, COMETCHAT_WEBHOOK_PASSWORD: WEBHOOK.password } });
  device = await s.addDevice('callee');
  webhookDevice = await s.addDevice(CALLEE);
});
afterAll(() => s.close());

const ring = (over: Record<string, unknown>) =>
  s.inject({
    method: 'POST', url: API_ROUTES.calls, headers: { authorization: `Bearer ${s.secrets.apiKey}` },
    payload: { recipientUid: 'callee', sessionId: 'v1.us.size', callerName: 'Ada', callerUid: 'ada', callType: 'audio', ...over },
  });

describe('a ring too large for a push service', () => {
  it("is refused with 400 before anything is sent (4-byte characters at every length limit, control characters that JSON escapes)", async () => {
    const before = device.received.length;
    const res = await ring({
      sessionId: '😀'.repeat(MAX_LENGTHS.sessionId),
      callerName: '\u0001'.repeat(MAX_LENGTHS.callerName - 3) + 'Ada',
      callerUid: '😀'.repeat(MAX_LENGTHS.uid),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'ring_too_large' } });
    expect(res.json().error.message).toMatch(/bytes/);
    await s.app.drain();
    expect(device.received).toHaveLength(before);
  });

  it('is measured in bytes, not characters: what is accepted arrives within the limit', async () => {
    for (const [sessionId, callerName] of [['ア'.repeat(200), 'é'.repeat(MAX_LENGTHS.callerName)], ['a'.repeat(MAX_LENGTHS.sessionId), '😀'.repeat(MAX_LENGTHS.callerName)]] as const) {
      const before = device.received.length;
      const res = await ring({ sessionId, callerName });
      if (res.statusCode === 400) {
        expect(res.json().error.code).toBe('ring_too_large');
        continue;
      }
      expect(res.json()).toMatchObject({ delivered: 1 });
      const [got] = (await s.push.waitForCount(device.id, before + 1)).slice(-1);
      expect(got!.body.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
  });

  it('is refused by the CometChat webhook with 400 too, instead of failing after the answer', async () => {
    // CometChat's lengths count UTF-16 units: 3-byte characters are the largest there.
    const event = cometchatFixture('webhook-call_initiated', 'ア'.repeat(MAX_LENGTHS.sessionId));
    const call = (event.data as { call: { receiver: string; data: { entities: { by: { entity: { name: string; uid: string } } } } } }).call;
    call.data.entities.by.entity.name = 'ア'.repeat(MAX_LENGTHS.callerName);
    call.data.entities.by.entity.uid = 'ア'.repeat(MAX_LENGTHS.uid);
    call.receiver = 'ア'.repeat(MAX_LENGTHS.uid);
    const pushesBefore = s.push.received.length;
    const res = await s.inject({ method: 'POST', url: API_ROUTES.cometchatWebhook, headers: { authorization: basicAuth(WEBHOOK.user, WEBHOOK.password) }, payload: event });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ring_too_large');
    await s.app.drain();
    expect(webhookDevice.received).toHaveLength(0);
    expect(s.push.received).toHaveLength(pushesBefore);
  });
});

describe("a caller's name", () => {
  it.each([
    ['a right-to-left override (a spoofed file name)', 'Bank\u202Egnp.exe', 'Bankgnp.exe'],
    ['bidi isolates and marks', '\u2067Ada\u2069 \u200FLovelace', 'Ada Lovelace'],
    ['control characters and newlines', 'Ada\u0000\u0007\nLovelace\r\n', 'Ada Lovelace'],
    ['a line separator', 'Ada\u2028Lovelace', 'Ada Lovelace'],
    ['nothing showable at all: the caller uid instead', '\u202E\u0000', 'ada'],
  ])('reaches the notification without %s', async (_what, callerName, shown) => {
    const before = device.received.length;
    expect((await ring({ callerName, sessionId: `v1.us.name.${before}` })).statusCode).toBe(200);
    const [got] = (await s.push.waitForCount(device.id, before + 1)).slice(-1);
    expect((got!.payload as { callerName: string }).callerName).toBe(shown);
  });

  it('keeps emoji sequences joined by zero-width joiners', async () => {
    const before = device.received.length;
    await ring({ callerName: '👩‍💻 Lin', sessionId: 'v1.us.zwj' });
    const [got] = (await s.push.waitForCount(device.id, before + 1)).slice(-1);
    expect((got!.payload as { callerName: string }).callerName).toBe('👩‍💻 Lin');
  });

  it('is cleaned by the worker\'s parser too, whoever sent the push (the seed\'s template)', () => {
    const r = parsePushPayload({ type: 'incoming_call', sessionId: 's', callerName: 'Bank\u202Egnp.exe\u0000', callerUid: 'x', callType: 'audio', timestamp: 1 });
    expect(r.ok && r.payload.type === 'incoming_call' && r.payload.callerName).toBe('Bankgnp.exe');
  });
});
