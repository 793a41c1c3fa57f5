import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callUrl, isSafeSessionId, parseCallLink, type CallIntent } from '../../protocol/call-links';

const ORIGIN = 'https://app.example';

describe('parseCallLink', () => {
  it('reads back every call screen link callUrl makes, whatever the session id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), fc.constantFrom<CallIntent>('accept', 'reject', 'open'), (sessionId, intent) => {
        const url = callUrl(sessionId, intent, ORIGIN);
        fc.pre(url !== undefined);
        expect(parseCallLink(new URL(url!))).toEqual({ sessionId, intent });
      }),
    );
  });

  it("opens the call screen when the action is missing or unknown", () => {
    expect(parseCallLink(new URL(`${ORIGIN}/call/v1.us.abc`))).toEqual({ sessionId: 'v1.us.abc', intent: 'open' });
    expect(parseCallLink(new URL(`${ORIGIN}/call/v1.us.abc?action=join`))).toEqual({ sessionId: 'v1.us.abc', intent: 'open' });
  });

  it('is undefined for other paths and for ids that do not decode', () => {
    expect(parseCallLink(new URL(`${ORIGIN}/`))).toBeUndefined();
    expect(parseCallLink(new URL(`${ORIGIN}/call/a/b`))).toBeUndefined();
    expect(parseCallLink(new URL(`${ORIGIN}/call/%E0%A4%A`))).toBeUndefined();
    expect(isSafeSessionId('..')).toBe(false);
  });
});
