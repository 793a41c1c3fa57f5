import { describe, expect, it } from 'vitest';
import { parsePushPayload } from '../../protocol/payload';

const seedPayload = {
  type: 'incoming_call',
  sessionId: 'v1.us.abc.123',
  callerName: 'Ada',
  callerUid: 'ada',
  callType: 'video',
  timestamp: 1764070000000,
};

describe('parsePushPayload', () => {
  it("rings for a payload with only the seed's fields", () => {
    const r = parsePushPayload(JSON.stringify(seedPayload));
    expect(r).toEqual({ ok: true, payload: { ...seedPayload, v: 1 } });
  });

  it("keeps RingKit's ring fields", () => {
    const r = parsePushPayload({ ...seedPayload, v: 1, ringUntil: 1764070030000, declineToken: 't.k.n' });
    expect(r.ok && r.payload.type === 'incoming_call' && [r.payload.ringUntil, r.payload.declineToken]).toEqual([1764070030000, 't.k.n']);
  });

  it('parses call_ended with its reason', () => {
    const r = parsePushPayload({ type: 'call_ended', v: 1, sessionId: 's', reason: 'answered', timestamp: 5 });
    expect(r).toEqual({ ok: true, payload: { type: 'call_ended', v: 1, sessionId: 's', reason: 'answered', timestamp: 5 } });
  });

  it('reads an unknown end reason as "ended" rather than dropping the stop', () => {
    const r = parsePushPayload({ type: 'call_ended', sessionId: 's', reason: 'exploded' });
    expect(r.ok && r.payload.type === 'call_ended' && r.payload.reason).toBe('ended');
  });

  it('reads an unknown call type as audio', () => {
    const r = parsePushPayload({ ...seedPayload, callType: 'hologram' });
    expect(r.ok && r.payload.type === 'incoming_call' && r.payload.callType).toBe('audio');
  });

  it.each([
    ['not JSON', '{nope', 'payload is not JSON'],
    ['an array', '[1]', 'payload is not an object'],
    ['null', null, 'payload is not an object'],
    ['no session', { type: 'incoming_call', callerName: 'x' }, 'sessionId missing'],
    ['a ring without caller', { type: 'incoming_call', sessionId: 's' }, 'callerName missing'],
    ['an unknown type', { type: 'chat_message', sessionId: 's' }, 'unknown type "chat_message"'],
  ])('refuses %s without throwing', (_name, input, error) => {
    const r = parsePushPayload(input as never);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe(error);
  });
});
