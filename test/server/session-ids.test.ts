/**
 * Every session id a ring accepts can be stopped (cancel, decline, answer),
 * ids that cannot be path segments are refused up front, and every error,
 * the router's own included, has the API's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, API_ROUTES, MAX_LENGTHS } from '../../protocol/api';
import { parseCometChatEvent, EventError } from '../../server/cometchat/events';
import { cometchatFixture } from '../support/cometchat';
import type { TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';

let s: TestSender;
let device: TestDevice;
beforeAll(async () => {
  s = await startTestSender();
  device = await s.addDevice('callee');
});
afterAll(() => s.close());

const apiKey = () => ({ authorization: `Bearer ${s.secrets.apiKey}` });
const ring = (sessionId: string) =>
  s.inject({ method: 'POST', url: API_ROUTES.calls, headers: apiKey(), payload: { recipientUid: 'callee', sessionId, callerName: 'Ada', callerUid: 'ada', callType: 'audio' } });
/** Rings and returns the decline token that arrived. */
const ringForToken = async (sessionId: string): Promise<string> => {
  const before = device.received.length;
  expect((await ring(sessionId)).statusCode).toBe(200);
  const pushes = await s.push.waitForCount(device.id, before + 1);
  return (pushes.at(-1)!.payload as { declineToken: string }).declineToken;
};

describe('a session id at the length limit', () => {
  it.each([
    ['256 ASCII characters', 'v1.us.' + 'a'.repeat(MAX_LENGTHS.sessionId - 6)],
    ['256 characters outside the BMP (4 bytes, 2 UTF-16 units each)', '😀'.repeat(MAX_LENGTHS.sessionId)],
    ['256 characters of 3 bytes', 'ア'.repeat(MAX_LENGTHS.sessionId)],
  ])('can be cancelled, declined and answered: %s', async (_what, sessionId) => {
    await ringForToken(sessionId);
    const cancel = await s.inject({ method: 'POST', url: apiPath(API_ROUTES.cancel, { sessionId }), headers: apiKey(), payload: { recipientUid: 'callee' } });
    expect(cancel.statusCode, cancel.body).toBe(200);
    for (const route of [API_ROUTES.decline, API_ROUTES.answer]) {
      const token = await ringForToken(sessionId);
      const res = await s.inject({ method: 'POST', url: apiPath(route, { sessionId }), headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ delivered: 1 });
    }
  });
});

describe('a session id that cannot be a path segment', () => {
  it.each([
    ['"."', '.'],
    ['".."', '..'],
    ['a control character', 'v1.us.a\u0000b'],
    ['a newline', 'v1.us.a\nb'],
    ['DEL', 'v1.us.\u007f'],
  ])('is refused before ringing: %s', async (_what, sessionId) => {
    const before = device.received.length;
    const res = await ring(sessionId);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect(device.received).toHaveLength(before);
  });

  it('is refused when it holds a lone surrogate (encodeURIComponent cannot encode it)', async () => {
    const res = await s.inject({
      method: 'POST', url: API_ROUTES.calls, headers: { ...apiKey(), 'content-type': 'application/json' },
      payload: '{"recipientUid":"callee","sessionId":"v1.\\ud800","callerName":"Ada","callerUid":"ada","callType":"audio"}',
    });
    expect(res.statusCode).toBe(400);
  });

  it('is refused in a CometChat event too', () => {
    expect(() => parseCometChatEvent(cometchatFixture('webhook-call_initiated', '..'))).toThrow(EventError);
  });
});

describe('errors of the router itself', () => {
  it.each([
    ['a malformed percent-encoding', '/%zz', 400],
    ['a malformed percent-encoding in a session id', '/api/calls/%zz/cancel', 400],
    ['a path segment over the router limit', `/api/calls/${'a'.repeat(3 * MAX_LENGTHS.sessionId)}/cancel`, 414],
  ])('have the API shape: %s', async (_what, url, status) => {
    const res = await s.inject({ method: 'POST', url, headers: apiKey(), payload: { recipientUid: 'callee' } });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
