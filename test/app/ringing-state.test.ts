import { describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/detect';
import { describeUserAgent } from '../../src/platform/describe';
import { ringingState, type RingingFacts } from '../../src/push/ringing-state';

const platform = (verdict: Platform['verdict']): Platform => ({ os: { name: 'linux' }, browser: { name: 'firefox', version: 153 }, standalone: false, declarativePush: false, verdict });
const canRing = platform({ kind: 'can-ring', actions: true });
const base: RingingFacts = { platform: canRing, permission: 'default', subscribed: false, registered: false, prepared: true, busy: false };

describe('the enable-ringing flow shows one state at a time', () => {
  it.each<[string, Partial<RingingFacts>, string]>([
    ['before detection has run', { platform: undefined }, 'checking'],
    ['a browser that cannot ring, whatever else holds', { platform: platform({ kind: 'cannot-ring', reason: 'in-app-browser' }), permission: 'granted', subscribed: true, registered: true }, 'unsupported'],
    ['iOS in a tab', { platform: platform({ kind: 'needs-install' }), prepared: false }, 'needs-install'],
    ['while the worker starts and the sender is asked for its key', { prepared: false }, 'checking'],
    ['a worker that never started', { prepared: false, problem: { problem: 'no-worker' } }, 'error'],
    ['permission not asked yet: a card with a button, no prompt', {}, 'ready'],
    ['permission granted but no subscription (e.g. after stop ringing)', { permission: 'granted' }, 'ready'],
    ['subscribed but the sender has not confirmed the device', { permission: 'granted', subscribed: true }, 'ready'],
    ['subscribing under way', { busy: true }, 'enabling'],
    ['subscribed and held by the sender', { permission: 'granted', subscribed: true, registered: true }, 'on'],
    ['permission denied, even with an old subscription', { permission: 'denied', subscribed: true, registered: true }, 'blocked'],
    ['a failure', { permission: 'granted', problem: { problem: 'sender-unreachable' } }, 'error'],
  ])('%s', (_name, facts, expected) => {
    expect(ringingState({ ...base, ...facts }).name).toBe(expected);
  });

  it('carries what failed into the error state', () => {
    expect(ringingState({ ...base, problem: { problem: 'sender-refused', detail: 'endpoint_not_allowed' } })).toEqual({
      name: 'error',
      problem: 'sender-refused',
      detail: 'endpoint_not_allowed',
    });
  });
});

describe('the device list', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0', 'Firefox 153 on Linux'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', 'Home Screen app on iPhone'],
    ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', 'Chrome 126 on Android'],
    [null, 'Unknown browser'],
  ])('names %s as "%s"', (ua, label) => {
    expect(describeUserAgent(ua)).toBe(label);
  });
});
