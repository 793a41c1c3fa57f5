import type { DeliveryCounts, RingRequest } from '../protocol/api';
import { PROTOCOL_VERSION, type CallEndReason, type CallEndedPayload, type IncomingCallPayload } from '../protocol/payload';
import { callTopic } from '../protocol/topic';
import type { Tokens } from './auth/tokens';
import type { Deliverer } from './push/deliver';
import { RecentCallers } from './recent-callers';
import type { Device, DeviceStore } from './store/types';

/** A decline clicked on a notification still on screen after the ring ended is still worth hearing. */
const DECLINE_TOKEN_GRACE_MS = 10 * 60_000;

export interface CallServiceOptions {
  store: DeviceStore;
  deliverer: Deliverer;
  tokens: Tokens;
  ttlSeconds: number;
  /** how long a ring or cancel waits for final outcomes before it answers with the rest pending */
  answerWithinMs: number;
}

/** Rings a callee's devices and stops them ringing: the sender's reason to exist. */
export class CallService {
  private readonly callers = new RecentCallers();

  constructor(private readonly o: CallServiceOptions) {}

  /** When a ring placed at `now` stops being worth ringing (its TTL). */
  ringUntil(now: number): number {
    return now + this.o.ttlSeconds * 1000;
  }

  async ring(call: RingRequest, now = Date.now()): Promise<DeliveryCounts> {
    const payload = await this.ringPayload(call, now);
    return this.send(call.recipientUid, payload, payload.ringUntil);
  }

  /**
   * Rings one device only (the /compat page's test ring), through the same
   * payload and delivery as a real ring. The caller checks the device is theirs.
   */
  async ringDevice(device: Device, call: Pick<RingRequest, 'sessionId' | 'callerName' | 'callerUid' | 'callType'>): Promise<DeliveryCounts & { sentAt: number }> {
    const payload = await this.ringPayload({ ...call, recipientUid: device.uid }, Date.now());
    const counts = await this.deliver([device], payload, payload.ringUntil);
    return { ...counts, sentAt: payload.timestamp };
  }

  private async ringPayload(call: RingRequest, now: number): Promise<IncomingCallPayload & { ringUntil: number }> {
    const ringUntil = this.ringUntil(now);
    this.callers.remember(call.sessionId, { callerName: call.callerName, callType: call.callType }, ringUntil + DECLINE_TOKEN_GRACE_MS);
    return {
      type: 'incoming_call',
      v: PROTOCOL_VERSION,
      sessionId: call.sessionId,
      callerName: call.callerName,
      callerUid: call.callerUid,
      callType: call.callType,
      timestamp: now,
      ringUntil,
      declineToken: await this.o.tokens.signDecline(call.recipientUid, call.sessionId, ringUntil + DECLINE_TOKEN_GRACE_MS),
    };
  }

  /**
   * call_ended to every device of the callee, under the ring's Topic so it
   * replaces a ring still queued; `exceptEndpoint` is a device that needs no
   * stop (the one that answered).
   */
  end(sessionId: string, recipientUid: string, reason: CallEndReason, exceptEndpoint?: string): Promise<DeliveryCounts> {
    const now = Date.now();
    const payload: CallEndedPayload = { type: 'call_ended', v: PROTOCOL_VERSION, sessionId, reason, timestamp: now };
    return this.send(recipientUid, payload, this.ringUntil(now), exceptEndpoint);
  }

  private async send(
    uid: string,
    payload: IncomingCallPayload | CallEndedPayload,
    deadline: number,
    exceptEndpoint?: string,
  ): Promise<DeliveryCounts> {
    const devices = (await this.o.store.listByUser(uid)).filter((d) => d.endpoint !== exceptEndpoint);
    return this.deliver(devices, payload, deadline);
  }

  private async deliver(devices: Device[], payload: IncomingCallPayload | CallEndedPayload, deadline: number): Promise<DeliveryCounts> {
    const message = { payload, topic: callTopic(payload.sessionId), deadline, call: this.callers.get(payload.sessionId) };
    const { counts } = await this.o.deliverer.deliver(devices, message, this.o.answerWithinMs);
    return counts;
  }
}
