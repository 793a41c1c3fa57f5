import { describe, expect, it } from 'vitest';
import { parsePushPayload, type CallEndReason, type IncomingCallPayload } from '../../protocol/payload';
import {
  callEndedNotification,
  notificationFor,
  RING_VIBRATION,
  type NotificationSpec,
} from '../../sw/notification-options';
import { SEED_RING_WINDOW_MS } from '../../browser-shared/late-ring';

const NOW = 1_764_070_000_000;
const SESSION = 'v1.us.212570a35d379d83.1702625211';

const ring: IncomingCallPayload = {
  type: 'incoming_call',
  v: 1,
  sessionId: SESSION,
  callerName: 'Ada',
  callerUid: 'ada',
  callType: 'video',
  timestamp: NOW - 2_000,
  ringUntil: NOW + 28_000,
  declineToken: 'd.t.k',
};
const seedRing = {
  type: 'incoming_call',
  sessionId: SESSION,
  callerName: 'Ada',
  callerUid: 'ada',
  callType: 'audio',
  timestamp: NOW - 2_000,
};

const specFor = (payload: unknown, context: { now?: number; callerName?: string } = {}): NotificationSpec =>
  notificationFor(parsePushPayload(JSON.stringify(payload)), { now: NOW, ...context });

const quiet = (spec: NotificationSpec) => ({
  tag: spec.options.tag,
  requireInteraction: spec.options.requireInteraction ?? false,
  actions: spec.options.actions ?? [],
  renotify: spec.options.renotify ?? false,
  vibrate: spec.options.vibrate ?? [],
});

describe('notificationFor: a ring', () => {
  it('rings with Accept and Decline under the call tag, carrying what a click needs', () => {
    expect(specFor(ring)).toEqual({
      title: 'Incoming call from Ada',
      options: {
        body: 'Video call',
        tag: `call-${SESSION}`,
        icon: '/icons/icon-192.png',
        badge: '/icons/badge-72.png',
        requireInteraction: true,
        renotify: true,
        silent: false,
        vibrate: RING_VIBRATION,
        actions: [
          { action: 'accept', title: 'Accept' },
          { action: 'decline', title: 'Decline' },
        ],
        data: {
          kind: 'ringing',
          sessionId: SESSION,
          callerName: 'Ada',
          callType: 'video',
          declineToken: 'd.t.k',
          ringUntil: NOW + 28_000,
        },
      },
    });
  });

  it.each([
    ['audio', 'Audio call'],
    ['video', 'Video call'],
    ['hologram', 'Audio call'],
  ])('labels a %s call "%s"', (callType, body) => {
    expect(specFor({ ...ring, callType }).options.body).toBe(body);
  });

  it("rings for the seed's payload like for RingKit's, without decline token or deadline", () => {
    const seed = specFor(seedRing);
    const ours = specFor({ ...ring, callType: 'audio' });
    expect(seed.title).toBe(ours.title);
    expect({ ...seed.options, data: undefined }).toEqual({ ...ours.options, data: undefined });
    expect(seed.options.data).toEqual({ kind: 'ringing', sessionId: SESSION, callerName: 'Ada', callType: 'audio' });
  });

  it.each([
    ['after ringUntil', { ...ring }, ring.ringUntil! + 1],
    ["a seed payload older than the ring window", { ...seedRing }, seedRing.timestamp + SEED_RING_WINDOW_MS + 1],
  ])('shows a ring delivered %s as a missed call, without ringing', (_, payload, now) => {
    const spec = specFor(payload, { now });
    expect(spec.title).toBe('Missed call from Ada');
    expect(quiet(spec)).toEqual({ tag: `call-${SESSION}`, requireInteraction: false, actions: [], renotify: false, vibrate: [] });
    expect(spec.options.data).toMatchObject({ kind: 'missed', sessionId: SESSION, callerName: 'Ada' });
  });

  it.each([
    ['exactly at ringUntil', { ...ring }, ring.ringUntil!],
    ['a seed payload within the ring window', { ...seedRing }, seedRing.timestamp + SEED_RING_WINDOW_MS],
    ['a seed payload without timestamp', { ...seedRing, timestamp: undefined }, NOW + 10 * SEED_RING_WINDOW_MS],
  ])('still rings %s', (_, payload, now) => {
    expect(specFor(payload, { now }).options.data.kind).toBe('ringing');
  });
});

describe('notificationFor: call_ended', () => {
  const ended = (reason: CallEndReason) => ({ type: 'call_ended', v: 1, sessionId: SESSION, reason, timestamp: NOW });

  it.each<[CallEndReason, string | undefined, string]>([
    ['cancelled', 'Ada', 'Missed call from Ada'],
    ['unanswered', 'Ada', 'Missed call from Ada'],
    ['busy', 'Ada', 'Missed call from Ada'],
    ['cancelled', undefined, 'Missed call'],
    ['answered', 'Ada', 'Answered on another device'],
    ['declined', 'Ada', 'Call declined'],
    ['ended', 'Ada', 'Call ended'],
    ['ended', undefined, 'Call ended'],
  ])('%s (caller %s) → "%s" under the ring\'s tag, with nothing to act on', (reason, callerName, title) => {
    const spec = specFor(ended(reason), callerName ? { callerName } : {});
    expect(spec.title).toBe(title);
    expect(quiet(spec)).toEqual({ tag: `call-${SESSION}`, requireInteraction: false, actions: [], renotify: false, vibrate: [] });
    expect(spec.options.data).toMatchObject({ sessionId: SESSION });
  });

  it('says "Call answered" on the device that answered', () => {
    const spec = callEndedNotification(
      { type: 'call_ended', v: 1, sessionId: SESSION, reason: 'answered', timestamp: NOW },
      { callerName: 'Ada', answeredHere: true },
    );
    expect(spec.title).toBe('Call answered');
  });
});

describe('notificationFor: anything else still shows a notification', () => {
  it.each([
    ['no body', null],
    ['empty', ''],
    ['not JSON', '{nope'],
    ['an array', '[]'],
    ['an empty object', '{}'],
    ['an unknown type', JSON.stringify({ type: 'chat_message', sessionId: SESSION })],
    ['a ring without session', JSON.stringify({ ...seedRing, sessionId: undefined })],
    ['a ring without caller name', JSON.stringify({ ...seedRing, callerName: '' })],
    ['a declarative web push', JSON.stringify({ web_push: 8030, notification: { title: 'x', navigate: '/' } })],
  ])('%s → the generic notification', (_, data) => {
    expect(notificationFor(parsePushPayload(data), { now: NOW })).toEqual({
      title: 'RingKit',
      options: { body: 'Open RingKit', tag: 'ringkit-unknown', data: { kind: 'generic' }, icon: '/icons/icon-192.png', badge: '/icons/badge-72.png' },
    });
  });
});

describe('every notification is one a browser accepts', () => {
  const all: NotificationSpec[] = [
    specFor(ring),
    specFor(ring, { now: NOW + 60_000 }),
    ...(['cancelled', 'answered', 'declined', 'ended', 'unanswered', 'busy'] as const).map((reason) =>
      specFor({ type: 'call_ended', sessionId: SESSION, reason }, { callerName: 'Ada' }),
    ),
    notificationFor(parsePushPayload(null), { now: NOW }),
  ];

  it.each(all.map((spec) => [spec.title, spec]))('%s', (_, spec) => {
    // Chrome throws a TypeError for vibrate with silent, and for renotify without a tag.
    if (spec.options.silent) expect(spec.options.vibrate).toBeUndefined();
    if (spec.options.renotify) expect(spec.options.tag).toBeTruthy();
    expect(spec.options.tag.length).toBeGreaterThan(0);
    expect(spec.options.actions?.length ?? 0).toBeLessThanOrEqual(2);
    expect(spec.title.length).toBeGreaterThan(0);
  });
});
