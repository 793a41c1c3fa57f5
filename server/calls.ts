import { randomBytes } from 'node:crypto';
import type { DeliveryCounts, RingRequest } from '../protocol/api';
import { displayText, PROTOCOL_VERSION, type CallEndReason, type CallEndedPayload, type IncomingCallPayload } from '../protocol/payload';
import { callTopic } from '../protocol/topic';
import type { Tokens } from './auth/tokens';
import type { Deliverer } from './push/deliver';
import { assertPushFits } from './push/push-size';
import type { Device, DeviceStore } from './store/types';

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

  /** Throws PushTooLargeError when this ring's push would not fit a push service (checked before anything is sent). */
  async assertRingFits(call: RingRequest, now = Date.now()): Promise<void> {
    assertPushFits(await this.buildRing(call, now, randomBytes(16).toString('base64url')));
  }

  private async ringPayload(call: RingRequest, now: number): Promise<IncomingCallPayload & { ringUntil: number }> {
    const jti = randomBytes(16).toString('base64url');
    const payload = await this.buildRing(call, now, jti);
    assertPushFits(payload);
    // The token acts once, and only while this ring lasts (kept in the store: any instance may get the decline).
    await this.o.store.recordRingToken({ jti, sessionId: call.sessionId, uid: call.recipientUid, expiresAt: new Date(payload.ringUntil) });
    return payload;
  }

  private async buildRing(call: RingRequest, now: number, jti: string): Promise<IncomingCallPayload & { ringUntil: number }> {
    const ringUntil = this.ringUntil(now);
    return {
      type: 'incoming_call',
      v: PROTOCOL_VERSION,
      sessionId: call.sessionId,
      // Shown in a notification: no control characters, no bidi overrides spoofing how it reads.
      callerName: displayText(call.callerName) || displayText(call.callerUid) || 'Unknown caller',
      callerUid: call.callerUid,
      callType: call.callType,
      timestamp: now,
      ringUntil,
      declineToken: await this.o.tokens.signDecline(call.recipientUid, call.sessionId, ringUntil, jti),
    };
  }

  /**
   * call_ended to every device of the callee, under the ring's Topic so it
   * replaces a ring still queued; `exceptEndpoint` is a device that needs no
   * stop (the one that answered).
   */
  async end(sessionId: string, recipientUid: string, reason: CallEndReason, exceptEndpoint?: string): Promise<DeliveryCounts> {
    // However it ended, the ring's tokens decline or answer it no more.
    await this.o.store.endRingTokens(sessionId, recipientUid);
    const now = Date.now();
    const payload: CallEndedPayload = { type: 'call_ended', v: PROTOCOL_VERSION, sessionId, reason, timestamp: now };
    return this.send(recipientUid, payload, this.ringUntil(now), exceptEndpoint);
  }

  /** A decline/answer token acts once: true the first time, false for a replay or a ring that is over. */
  useToken(jti: string): Promise<boolean> {
    return this.o.store.useRingToken(jti, new Date());
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
    const { counts } = await this.o.deliverer.deliver(devices, { payload, topic: callTopic(payload.sessionId), deadline }, this.o.answerWithinMs);
    return counts;
  }
}
