import { describe, expect, it } from 'vitest';
import { callUrl, clickTarget, type ClickTarget, type WindowInfo } from '../../sw/click-target';
import type { NotificationData } from '../../sw/notification-options';

const ORIGIN = 'https://app.example.com';
const ID = 'v1.us.212570a35d379d83.1702625211';
const CALL = `${ORIGIN}/call/${ID}`;

const ringing: NotificationData = { kind: 'ringing', sessionId: ID, callerName: 'Ada', callType: 'audio', declineToken: 't' };
const missed: NotificationData = { kind: 'missed', sessionId: ID, callerName: 'Ada' };
const generic: NotificationData = { kind: 'generic' };

const w = (path: string, focused = false): WindowInfo => ({ url: `${ORIGIN}${path}`, focused });

describe('clickTarget', () => {
  it.each<[string, unknown, string, WindowInfo[], ClickTarget]>([
    // Accept
    ['accept, no window', ringing, 'accept', [], { kind: 'open', url: `${CALL}?action=accept` }],
    ['accept, the call window open without action', ringing, 'accept', [w(`/call/${ID}`)], { kind: 'focus', clientIndex: 0, navigate: `${CALL}?action=accept` }],
    ['accept, the call window open to look', ringing, 'accept', [w(`/call/${ID}?action=open`)], { kind: 'focus', clientIndex: 0, navigate: `${CALL}?action=accept` }],
    ['accept, the call window already accepting', ringing, 'accept', [w(`/call/${ID}?action=accept`)], { kind: 'focus', clientIndex: 0 }],
    ['accept, the call window second', ringing, 'accept', [w('/', true), w(`/call/${ID}`)], { kind: 'focus', clientIndex: 1, navigate: `${CALL}?action=accept` }],
    ['accept, another app window', ringing, 'accept', [w('/settings')], { kind: 'focus', clientIndex: 0, navigate: `${CALL}?action=accept` }],
    ['accept, prefers the focused window', ringing, 'accept', [w('/a'), w('/b', true)], { kind: 'focus', clientIndex: 1, navigate: `${CALL}?action=accept` }],
    ["accept, another call's window", ringing, 'accept', [w('/call/other')], { kind: 'focus', clientIndex: 0, navigate: `${CALL}?action=accept` }],
    // A click on the notification itself
    ['click, no window', ringing, '', [], { kind: 'open', url: `${CALL}?action=open` }],
    ['click, the call window open', ringing, '', [w(`/call/${ID}?action=accept`)], { kind: 'focus', clientIndex: 0 }],
    ['click, another app window', ringing, '', [w('/')], { kind: 'focus', clientIndex: 0, navigate: `${CALL}?action=open` }],
    ['click on a missed call', missed, '', [], { kind: 'open', url: `${CALL}?action=open` }],
    ['an unknown action counts as a click', ringing, 'snooze', [], { kind: 'open', url: `${CALL}?action=open` }],
    // Decline
    ['decline', ringing, 'decline', [w(`/call/${ID}`)], { kind: 'decline', sessionId: ID }],
    ['decline on a missed call is a click', missed, 'decline', [], { kind: 'open', url: `${CALL}?action=open` }],
    ['accept on a missed call is a click', missed, 'accept', [], { kind: 'open', url: `${CALL}?action=open` }],
    // Not a call
    ['generic, no window', generic, '', [], { kind: 'open', url: `${ORIGIN}/` }],
    ['generic, an app window', generic, '', [w('/settings')], { kind: 'focus', clientIndex: 0 }],
    ['data that is not ours', 'hello', '', [], { kind: 'open', url: `${ORIGIN}/` }],
    ['no data', undefined, 'accept', [], { kind: 'open', url: `${ORIGIN}/` }],
    // Windows that can't be reused
    ['a cross-origin window', ringing, 'accept', [{ url: `https://evil.example/call/${ID}` }], { kind: 'open', url: `${CALL}?action=accept` }],
    ['an unparsable window URL', ringing, 'accept', [{ url: 'not a url' }], { kind: 'open', url: `${CALL}?action=accept` }],
  ])('%s', (_, data, action, windows, expected) => {
    expect(clickTarget(data, action, windows, ORIGIN)).toEqual(expected);
  });

  it('encodes the session id as one path segment', () => {
    expect(clickTarget({ kind: 'ringing', sessionId: 'a b/c?d#e', callerName: 'x' }, 'accept', [], ORIGIN)).toEqual({
      kind: 'open',
      url: `${ORIGIN}/call/a%20b%2Fc%3Fd%23e?action=accept`,
    });
  });
});

describe('a hostile session id never leaves the origin or /call/', () => {
  const hostile = [
    '../../evil.com',
    'https://evil.example/',
    '//evil.example',
    '\\\\evil.example',
    '..',
    '.',
    '%2e%2e',
    '.%2e',
    '../',
    'a/../../b',
    '?action=accept#x',
    'javascript:alert(1)',
    '@evil.example',
    '\u2025',
  ];
  const actions = ['', 'accept', 'decline'];
  const windowSets: WindowInfo[][] = [[], [w('/')], [w('/call/x')]];

  it.each(hostile)('%s', (sessionId) => {
    for (const kind of ['ringing', 'missed', 'ended'] as const) {
      for (const action of actions) {
        for (const windows of windowSets) {
          const target = clickTarget({ kind, sessionId, callerName: 'x', reason: 'ended' }, action, windows, ORIGIN);
          const url = target.kind === 'open' ? target.url : target.kind === 'focus' ? target.navigate : undefined;
          if (url === undefined) continue;
          const parsed = new URL(url);
          expect(parsed.origin).toBe(ORIGIN);
          // Either the app root or exactly one segment under /call/, which decodes back to the id.
          if (parsed.pathname !== '/') {
            const segments = parsed.pathname.split('/');
            expect(segments.slice(0, 2)).toEqual(['', 'call']);
            expect(segments).toHaveLength(3);
            expect(decodeURIComponent(segments[2]!)).toBe(sessionId);
          }
        }
      }
    }
  });

  it.each([['..'], ['.']])('%s can\'t be a call URL at all', (sessionId) => {
    expect(callUrl(sessionId, 'accept', ORIGIN)).toBeUndefined();
  });
});
