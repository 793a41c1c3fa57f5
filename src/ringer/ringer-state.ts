/**
 * What the ringer shows and plays, as a pure reducer: every event (a ring, its
 * end, a click, the lock that decides which tab rings, the audio's fate, the
 * clock) goes in, the next state and the DOM event to emit come out. No DOM
 * here, so the whole lifecycle is unit-tested under Node.
 */
import type { CallEndReason, CallType, IncomingCallPayload } from '../../protocol/payload';
import { isWorkerToPageMessage } from '../../browser-shared/messages';
import { isLateRing, SEED_RING_WINDOW_MS } from '../../browser-shared/late-ring';

export interface RingingCall {
  sessionId: string;
  /** plain text, rendered as text only */
  callerName: string;
  callType: CallType;
  /** ms since the epoch (device clock) when ringing stops on its own */
  deadline: number;
  declineToken?: string;
  /**
   * The notification rings by itself (the incoming-call scenario's looping
   * ringtone): this page shows the call but plays no ringtone of its own,
   * so the device does not ring twice.
   */
  notificationRings?: boolean;
}

/**
 * claiming: asking the other tabs (Web Lock); silent: another tab rings, this
 * one only shows; starting: play() called; blocked: autoplay refused, waiting
 * for a tap.
 */
export type Sound = 'claiming' | 'silent' | 'starting' | 'playing' | 'blocked';

export type RingerState = { call: null } | { call: RingingCall; sound: Sound };

/** Why the ringer went away without Accept or Decline here. */
export type DismissReason = CallEndReason | 'silenced';

/** What the service worker tells an open page about calls (ringkit/client's onCallEvents). */
export type CallEvent =
  /** `notificationRings`: the notification rings by itself (incoming-call scenario): show, but do not play a ringtone */
  | { type: 'incoming'; payload: IncomingCallPayload; now: number; notificationRings?: boolean }
  /** the worker's call_ended or call_accepted (reason 'answered'), or another tab's Accept/Decline */
  | { type: 'ended'; sessionId: string; reason: CallEndReason };

export type RingerEvent =
  | CallEvent
  | { type: 'claimed'; sessionId: string; ringing: boolean }
  | { type: 'sound'; sessionId: string; sound: 'playing' | 'blocked' }
  | { type: 'accept' }
  | { type: 'decline' }
  /** Escape: stop ringing here, leave the call to the other devices */
  | { type: 'silence' }
  | { type: 'tick'; now: number };

export type Emitted =
  | { kind: 'accept'; call: RingingCall }
  | { kind: 'decline'; call: RingingCall }
  | { kind: 'dismissed'; call: RingingCall; reason: DismissReason };

export interface Transition {
  state: RingerState;
  emit?: Emitted;
}

export const IDLE: RingerState = { call: null };

/**
 * When ringing stops on its own: the ring's ringUntil (or the seed payload's
 * window), but never more than the longest ring from now — a skewed device
 * clock must not make a tab ring for ever.
 */
export function ringDeadline(payload: IncomingCallPayload, now: number): number {
  const planned = payload.ringUntil ?? (payload.timestamp > 0 ? payload.timestamp + SEED_RING_WINDOW_MS : now + SEED_RING_WINDOW_MS);
  return Math.min(planned, now + SEED_RING_WINDOW_MS);
}

/** The call a ring's payload announces. */
export function ringingCallOf(payload: IncomingCallPayload, now: number): RingingCall {
  const { sessionId, callerName, callType, declineToken } = payload;
  const call: RingingCall = { sessionId, callerName, callType, deadline: ringDeadline(payload, now) };
  if (declineToken) call.declineToken = declineToken;
  return call;
}

/** Whether this tab plays the ringtone, once the claim among the app's tabs is settled. */
export function soundAfterClaim(ringing: boolean): Sound {
  return ringing ? 'starting' : 'silent';
}

export function isRinging(state: RingerState): state is { call: RingingCall; sound: Sound } {
  return state.call !== null;
}

/** Whether the ringtone should be playing (or trying to) in this tab. */
export function wantsSound(state: RingerState): boolean {
  return isRinging(state) && (state.sound === 'starting' || state.sound === 'playing' || state.sound === 'blocked');
}

export function ringerReducer(state: RingerState, event: RingerEvent): Transition {
  switch (event.type) {
    case 'incoming': {
      // One call at a time: a second ring waits in its notification (call waiting).
      if (isRinging(state)) return { state };
      if (isLateRing(event.payload, event.now)) return { state };
      const call = ringingCallOf(event.payload, event.now);
      if (event.notificationRings) call.notificationRings = true;
      return { state: { call, sound: 'claiming' } };
    }
    case 'ended':
      if (!isRinging(state) || state.call.sessionId !== event.sessionId) return { state };
      return { state: IDLE, emit: { kind: 'dismissed', call: state.call, reason: event.reason } };
    case 'claimed':
      if (!isRinging(state) || state.call.sessionId !== event.sessionId || state.sound !== 'claiming') return { state };
      return { state: { call: state.call, sound: soundAfterClaim(event.ringing && !state.call.notificationRings) } };
    case 'sound':
      if (!isRinging(state) || state.call.sessionId !== event.sessionId || state.sound === 'silent' || state.sound === 'claiming') return { state };
      return { state: { call: state.call, sound: event.sound } };
    case 'accept':
    case 'decline':
      if (!isRinging(state)) return { state };
      return { state: IDLE, emit: { kind: event.type, call: state.call } };
    case 'silence':
      if (!isRinging(state)) return { state };
      return { state: IDLE, emit: { kind: 'dismissed', call: state.call, reason: 'silenced' } };
    case 'tick':
      if (!isRinging(state) || event.now < state.call.deadline) return { state };
      return { state: IDLE, emit: { kind: 'dismissed', call: state.call, reason: 'unanswered' } };
  }
}

/** A message from the service worker (any version of it) → the event it means; undefined for others. */
export function workerMessageEvent(data: unknown, now: number): CallEvent | undefined {
  if (!isWorkerToPageMessage(data)) return undefined;
  switch (data.type) {
    case 'incoming_call':
      // The worker parsed the push (protocol/payload.ts) before posting it; the name must still be text.
      if (typeof data.payload.callerName !== 'string') return undefined;
      return data.notificationRings ? { type: 'incoming', payload: data.payload, now, notificationRings: true } : { type: 'incoming', payload: data.payload, now };
    case 'call_ended':
      return { type: 'ended', sessionId: data.sessionId, reason: data.reason };
    case 'call_accepted':
      return { type: 'ended', sessionId: data.sessionId, reason: 'answered' };
  }
}

/** Between the app's tabs (BroadcastChannel): this tab answered a call, the others stop showing it. */
export interface TabMessage {
  type: 'handled';
  sessionId: string;
  how: 'accept' | 'decline';
}

export const TAB_CHANNEL = 'ringkit-ringer';

/** Another tab's message → the event it means here; undefined for anything else on the channel. */
export function tabMessageEvent(data: unknown): RingerEvent | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (m.type !== 'handled' || typeof m.sessionId !== 'string') return undefined;
  if (m.how !== 'accept' && m.how !== 'decline') return undefined;
  return { type: 'ended', sessionId: m.sessionId, reason: m.how === 'accept' ? 'answered' : 'declined' };
}

/** The Web Lock that one tab holds while it plays the ringtone for a call. */
export function ringLockName(sessionId: string): string {
  return `ringkit-ringer:${sessionId}`;
}

/** What a screen reader hears when the ring starts. */
export function announcement(call: RingingCall): string {
  return `Incoming ${call.callType === 'video' ? 'video' : 'audio'} call from ${call.callerName}`;
}
