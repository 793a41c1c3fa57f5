/**
 * The callee's answer, told to everyone who must hear it, from the page (the
 * call screen and the ringer; the worker does the same for a notification's
 * Decline, sw/handle-click.ts): CometChat first, the way its own Chat SDK
 * tells it (the caller's CometChat UI learns it only there), then the sender,
 * which stops the callee's other devices and tells a backend (call events).
 */
import { readSession } from '../session';
import { chatSdkAs } from './cometchat-chat';
import { answerCall, declineCall } from './decline';

export interface AnsweredCall {
  sessionId: string;
  declineToken?: string | undefined;
  callerName?: string | undefined;
}

/** ok, or who could not be told: then the answer did not reach the caller and a retry is worth offering. */
export type AnswerResult = { ok: true } | { ok: false; unreached: 'cometchat' | 'sender' };

const signedInUid = () => readSession()?.uid;

/** Null when CometChat is not configured for this user; throws when it is but cannot be reached. */
async function sdk() {
  const uid = signedInUid();
  return uid ? chatSdkAs(uid) : undefined;
}

/** This device's push endpoint, so the sender's stop skips the device that answered. */
async function ownEndpoint(): Promise<string | undefined> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    return (await registration?.pushManager.getSubscription())?.endpoint;
  } catch {
    return undefined;
  }
}

/** Accept: CometChat must have taken it before the call is joined. */
export async function acceptAnswer(call: AnsweredCall, senderUrl?: string): Promise<AnswerResult> {
  try {
    const chat = await sdk();
    // An active call of the SDK's own (accepted in this tab before) is this one: accepting again would be refused.
    if (chat && chat.getActiveCall()?.getSessionId() !== call.sessionId) await chat.acceptCall(call.sessionId);
  } catch (error) {
    console.warn('RingKit: CometChat did not take the accept', error);
    return { ok: false, unreached: 'cometchat' };
  }
  // The other devices keep ringing until their TTL if this fails; the call itself goes on.
  if (call.declineToken && !(await answerCall(call.sessionId, call.declineToken, await ownEndpoint(), senderUrl))) {
    console.warn('RingKit: the sender did not take the answer: the other devices ring until the ring times out');
  }
  return { ok: true };
}

/** Decline, or busy (a call came while this device is in another one). */
export async function declineAnswer(call: AnsweredCall, reason: 'declined' | 'busy' = 'declined', senderUrl?: string): Promise<AnswerResult> {
  try {
    const chat = await sdk();
    if (chat) await chat.rejectCall(call.sessionId, reason === 'busy' ? chat.CALL_STATUS.BUSY : chat.CALL_STATUS.REJECTED);
  } catch (error) {
    console.warn('RingKit: CometChat did not take the decline', error);
    return { ok: false, unreached: 'cometchat' };
  }
  if (!call.declineToken) return { ok: true }; // a seed ring: nothing the sender could do with it
  return (await declineCall(call.sessionId, call.declineToken, { reason, senderUrl })) ? { ok: true } : { ok: false, unreached: 'sender' };
}

/** Hang-up (or the other side ended the call): CometChat's endCall, then clearActiveCall, as its docs ask. */
export async function endAnswer(sessionId: string, endedByUs: boolean): Promise<void> {
  try {
    const chat = await sdk();
    if (!chat) return;
    if (endedByUs) await chat.endCall(sessionId);
    chat.clearActiveCall();
  } catch (error) {
    console.warn('RingKit: could not tell CometChat the call ended', error);
  }
}
