/**
 * Answering a call from a page, with what the worker wrote in the call log
 * when the ring arrived (the decline token, the caller): RingKit's call screen
 * and a host app's own (ringkit/client) use these. The other tabs stop showing
 * the call, CometChat and the sender are told, and the log keeps the answer.
 */
import { openRingKitStores, type CallRecord } from '../../browser-shared/call-log';
import { announceHandled } from '../ringer/tab-coordination';
import { acceptAnswer, declineAnswer, endAnswer, type AnswerResult } from './callee-answer';

export type { AnswerResult };

/** A call this device was rung for, as the worker logged it. */
export type RungCall = Pick<CallRecord, 'sessionId' | 'callerName' | 'callType' | 'state'> & { declineToken?: string | undefined };

const stores = openRingKitStores();

/** The call this device was rung for; undefined when it never rang here (or the log was cleared). */
export async function rungCall(sessionId: string): Promise<RungCall | undefined> {
  return stores.callLog.get(sessionId).catch(() => undefined);
}

/** Accept: CometChat must have taken it before the call is joined; `call` saves the log lookup when the caller has it. */
export async function acceptCall(sessionId: string, call?: RungCall): Promise<AnswerResult> {
  announceHandled({ type: 'handled', sessionId, how: 'accept' });
  const record = call ?? (await rungCall(sessionId));
  const told = await acceptAnswer({ sessionId, declineToken: record?.declineToken });
  if (told.ok) await stores.callLog.setState(sessionId, { state: 'accepted' }).catch(() => undefined);
  return told;
}

/** Decline (the caller hears "declined"). */
export async function declineCall(sessionId: string, call?: RungCall): Promise<AnswerResult> {
  announceHandled({ type: 'handled', sessionId, how: 'decline' });
  const record = call ?? (await rungCall(sessionId));
  const told = await declineAnswer({ sessionId, declineToken: record?.declineToken });
  if (told.ok) await stores.callLog.setState(sessionId, { state: 'declined', reason: 'declined' }).catch(() => undefined);
  return told;
}

/** The call is over here: `endedByUs` when this side hung up (CometChat's endCall), else only its clearActiveCall. */
export function endCall(sessionId: string, endedByUs = true): Promise<void> {
  return endAnswer(sessionId, endedByUs);
}
