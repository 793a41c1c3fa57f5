import { describe, expect, it } from 'vitest';
import type { IncomingCallPayload } from '../../protocol/payload';
import { SEED_RING_WINDOW_MS } from '../../browser-shared/late-ring';
import {
  announcement,
  IDLE,
  ringDeadline,
  ringerReducer,
  tabMessageEvent,
  wantsSound,
  workerMessageEvent,
  type RingerEvent,
  type RingerState,
} from '../../src/ringer/ringer-state';

const NOW = 1_764_070_000_000;

const ring = (sessionId = 'v1.us.one', extra: Partial<IncomingCallPayload> = {}): IncomingCallPayload => ({
  type: 'incoming_call', v: 1, sessionId, callerName: 'Ada <b>Lovelace</b>', callerUid: 'ada', callType: 'video',
  timestamp: NOW - 1_000, ringUntil: NOW + 30_000, declineToken: 'decline.token', ...extra,
});

/** Runs events from idle; returns the final state and everything emitted. */
function run(...events: RingerEvent[]) {
  let state: RingerState = IDLE;
  const emitted = [];
  for (const event of events) {
    const t = ringerReducer(state, event);
    state = t.state;
    if (t.emit) emitted.push(t.emit);
  }
  return { state, emitted };
}

const incoming = (payload = ring(), now = NOW): RingerEvent => ({ type: 'incoming', payload, now });

describe('the ringer state', () => {
  it('shows an incoming call and asks the other tabs before making a sound', () => {
    const { state, emitted } = run(incoming());
    expect(state).toEqual({
      call: { sessionId: 'v1.us.one', callerName: 'Ada <b>Lovelace</b>', callType: 'video', deadline: NOW + 30_000, declineToken: 'decline.token' },
      sound: 'claiming',
    });
    expect(wantsSound(state)).toBe(false);
    expect(emitted).toEqual([]);
  });

  it('rings in the tab that won the claim and stays silent in the others', () => {
    const won = run(incoming(), { type: 'claimed', sessionId: 'v1.us.one', ringing: true });
    expect(won.state).toMatchObject({ sound: 'starting' });
    expect(wantsSound(won.state)).toBe(true);
    const lost = run(incoming(), { type: 'claimed', sessionId: 'v1.us.one', ringing: false });
    expect(lost.state).toMatchObject({ sound: 'silent' });
    expect(wantsSound(lost.state)).toBe(false);
    // the audio's fate never makes a silent tab ring
    expect(ringerReducer(lost.state, { type: 'sound', sessionId: 'v1.us.one', sound: 'playing' }).state).toBe(lost.state);
  });

  it('shows the call without its own ringtone when the notification rings by itself (incoming-call scenario)', () => {
    const { state } = run({ ...incoming(), notificationRings: true } as RingerEvent, { type: 'claimed', sessionId: 'v1.us.one', ringing: true });
    expect(state).toMatchObject({ call: { sessionId: 'v1.us.one', notificationRings: true }, sound: 'silent' });
    expect(wantsSound(state)).toBe(false);
  });

  it('offers "tap to enable sound" when autoplay is refused, and keeps ringing once tapped', () => {
    const blocked = run(incoming(), { type: 'claimed', sessionId: 'v1.us.one', ringing: true }, { type: 'sound', sessionId: 'v1.us.one', sound: 'blocked' });
    expect(blocked.state).toMatchObject({ sound: 'blocked' });
    expect(wantsSound(blocked.state)).toBe(true);
    expect(ringerReducer(blocked.state, { type: 'sound', sessionId: 'v1.us.one', sound: 'playing' }).state).toMatchObject({ sound: 'playing' });
  });

  it('ignores a claim or a sound for a call that is no longer ringing', () => {
    const { state } = run(incoming(), { type: 'ended', sessionId: 'v1.us.one', reason: 'cancelled' }, { type: 'claimed', sessionId: 'v1.us.one', ringing: true });
    expect(state).toBe(IDLE);
  });

  it('stops on call_ended for its call, and says why', () => {
    const { state, emitted } = run(incoming(), { type: 'ended', sessionId: 'v1.us.one', reason: 'cancelled' });
    expect(state).toBe(IDLE);
    expect(emitted).toEqual([{ kind: 'dismissed', call: expect.objectContaining({ sessionId: 'v1.us.one' }), reason: 'cancelled' }]);
  });

  it('keeps ringing when another call ends', () => {
    const { state, emitted } = run(incoming(), { type: 'ended', sessionId: 'v1.us.other', reason: 'cancelled' });
    expect(state.call?.sessionId).toBe('v1.us.one');
    expect(emitted).toEqual([]);
  });

  it('stops on Accept and on Decline, emitting each once', () => {
    for (const kind of ['accept', 'decline'] as const) {
      const { state, emitted } = run(incoming(), { type: kind }, { type: kind });
      expect(state).toBe(IDLE);
      expect(emitted).toEqual([{ kind, call: expect.objectContaining({ sessionId: 'v1.us.one', declineToken: 'decline.token' }) }]);
    }
  });

  it('stops at the deadline, not before', () => {
    const before = run(incoming(), { type: 'tick', now: NOW + 29_999 });
    expect(before.state.call).not.toBeNull();
    const at = run(incoming(), { type: 'tick', now: NOW + 30_000 });
    expect(at.state).toBe(IDLE);
    expect(at.emitted).toEqual([{ kind: 'dismissed', call: expect.anything(), reason: 'unanswered' }]);
  });

  it('stops ringing here on Escape without declining', () => {
    const { emitted } = run(incoming(), { type: 'silence' });
    expect(emitted).toEqual([{ kind: 'dismissed', call: expect.anything(), reason: 'silenced' }]);
  });

  it('does not ring for a ring that arrives after its ringUntil', () => {
    expect(run(incoming(ring('late', { ringUntil: NOW - 1 }))).state).toBe(IDLE);
  });

  it('keeps ringing the first call when a second one rings (it waits in its notification)', () => {
    const { state } = run(incoming(), incoming(ring('v1.us.two')));
    expect(state.call?.sessionId).toBe('v1.us.one');
  });
});

describe('ringDeadline', () => {
  it('is the ring’s ringUntil', () => {
    expect(ringDeadline(ring(), NOW)).toBe(NOW + 30_000);
  });

  it('is the seed payload’s window from when the call was placed', () => {
    expect(ringDeadline(ring('s', { ringUntil: undefined, timestamp: NOW - 10_000 }), NOW)).toBe(NOW - 10_000 + SEED_RING_WINDOW_MS);
    expect(ringDeadline(ring('s', { ringUntil: undefined, timestamp: 0 }), NOW)).toBe(NOW + SEED_RING_WINDOW_MS);
  });

  it('never rings longer than the longest ring, whatever a skewed clock says', () => {
    expect(ringDeadline(ring('s', { ringUntil: NOW + 3_600_000 }), NOW)).toBe(NOW + SEED_RING_WINDOW_MS);
  });
});

describe('messages into the ringer', () => {
  it('maps the worker’s messages to events', () => {
    expect(workerMessageEvent({ type: 'incoming_call', payload: ring() }, NOW)).toEqual({ type: 'incoming', payload: ring(), now: NOW });
    expect(workerMessageEvent({ type: 'incoming_call', payload: ring(), notificationRings: true }, NOW)).toEqual({ type: 'incoming', payload: ring(), now: NOW, notificationRings: true });
    expect(workerMessageEvent({ type: 'call_ended', sessionId: 'a', reason: 'busy' }, NOW)).toEqual({ type: 'ended', sessionId: 'a', reason: 'busy' });
    // accepted from the notification: every tab stops ringing
    expect(workerMessageEvent({ type: 'call_accepted', sessionId: 'a' }, NOW)).toEqual({ type: 'ended', sessionId: 'a', reason: 'answered' });
  });

  it('ignores what is not the worker’s', () => {
    for (const data of [null, 'ring', { type: 'incoming_call' }, { type: 'incoming_call', payload: { sessionId: 'a', callerName: 7 } }, { type: 'SKIP_WAITING' }]) {
      expect(workerMessageEvent(data, NOW)).toBeUndefined();
    }
  });

  it('maps another tab’s Accept or Decline to the end of the call here', () => {
    expect(tabMessageEvent({ type: 'handled', sessionId: 'a', how: 'accept' })).toEqual({ type: 'ended', sessionId: 'a', reason: 'answered' });
    expect(tabMessageEvent({ type: 'handled', sessionId: 'a', how: 'decline' })).toEqual({ type: 'ended', sessionId: 'a', reason: 'declined' });
    expect(tabMessageEvent({ type: 'handled', sessionId: 'a', how: 'ignore' })).toBeUndefined();
    expect(tabMessageEvent('handled')).toBeUndefined();
  });

  it('announces the call type and the caller as given', () => {
    const { state } = run(incoming());
    expect(announcement(state.call!)).toBe('Incoming video call from Ada <b>Lovelace</b>');
  });
});
