import type { FastifyBaseLogger as Logger } from 'fastify';
import type { DeliveryCounts, RingRequest } from '../protocol/api';
import type { CallEventType } from '../protocol/events';
import { displayText, PROTOCOL_VERSION, type CallEndReason, type CallEndedPayload, type IncomingCallPayload } from '../protocol/payload';
import { callTopic } from '../protocol/topic';
import type { Tokens } from './auth/tokens';
import type { DeclaredCall } from '../protocol/declarative';
import type { CallEvents } from './events/call-events';
import { InFlight } from './in-flight';
import type { CallRecordPruner } from './call-record-pruner';
import type { Deliverer } from './push/deliver';
import { assertPushFits } from './push/push-size';
import type { Device, DeviceStore, EndedRing, RingParties, RingSelector, RingSource } from './store/types';

/**
 * A decline clicked on a notification still on screen after the ring ended
 * is answered "the ring is over" (409) rather than "bad token" (401): the
 * token stays verifiable this long, but acts only while its ring lasts.
 */
const DECLINE_TOKEN_GRACE_MS = 10 * 60_000;
/** How often the store is asked for rings past their deadline (any instance's: one that crashed leaves its rings to the others). */
const EXPIRY_SWEEP_MS = 1_000;

export interface CallServiceOptions {
  store: DeviceStore;
  deliverer: Deliverer;
  tokens: Tokens;
  events: CallEvents;
  logger: Logger;
  ttlSeconds: number;
  /** how long a ring or cancel waits for final outcomes before it answers with the rest pending */
  answerWithinMs: number;
  /** old traces and call records are pruned as calls come */
  pruner?: CallRecordPruner;
}

export interface RingOptions {
  source?: RingSource;
  /** rung as a member of a group call */
  group?: boolean;
  groupId?: string | undefined;
  /** ring only when this callee was not rung for the session before (CometChat's events can repeat) */
  once?: boolean;
}

/** What an end of the ring tells the calling side. */
const END_EVENTS: Partial<Record<CallEndReason, CallEventType>> = {
  answered: 'call.accepted',
  declined: 'call.declined',
  busy: 'call.declined',
  unanswered: 'call.missed',
};

/** The callee answered a ring that is already over (answered, declined, cancelled or timed out). */
export class RingOverError extends Error {
  override name = 'RingOverError';
}

/**
 * Rings a callee's devices and stops them ringing: the sender's reason to
 * exist. Every ring is kept in the store, so each is stopped once across
 * instances, and how it ended is told to the calling side once (CallEvents).
 */
export class CallService {
  private readonly inFlight = new InFlight();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly o: CallServiceOptions) {}

  /** When a ring placed at `now` stops being worth ringing (its TTL). */
  ringUntil(now: number): number {
    return now + this.o.ttlSeconds * 1000;
  }

  /** Rings every device of the callee; undefined when `once` and this callee was rung for the session already. */
  async ring(call: RingRequest, options: RingOptions = {}, now = Date.now()): Promise<DeliveryCounts | undefined> {
    const source = options.source ?? 'api';
    const payload = this.ringPayload(call, now);
    const fresh = await this.o.store.recordRing(
      {
        sessionId: call.sessionId,
        uid: call.recipientUid,
        callerUid: call.callerUid,
        groupId: options.groupId,
        group: options.group ?? false,
        ringUntil: new Date(payload.ringUntil),
        source,
        callerName: call.callerName,
        callType: call.callType,
      },
      { reopen: !options.once },
    );
    if (!fresh) return undefined;
    this.expireAt(payload.ringUntil);
    const devices = await this.o.store.listByUser(call.recipientUid);
    const delivery = await this.deliver(devices, payload, payload.ringUntil, { callerName: call.callerName, callType: call.callType });
    if (source !== 'test') {
      // Told once every device has its outcome, not when the answer bound passed.
      this.inFlight.track(
        delivery.settled.then((c) =>
          this.o.events.emit(c.delivered > 0 ? 'call.ringing' : 'call.unreachable', {
            sessionId: call.sessionId,
            recipientUid: call.recipientUid,
            callerUid: call.callerUid,
            devices: c.devices,
            ...(c.delivered > 0 ? { delivered: c.delivered } : {}),
            failed: c.failed,
          }),
        ),
      );
    }
    return delivery.counts;
  }

  /**
   * Rings one device only (the /compat page's test ring), through the same
   * payload and delivery as a real ring. The caller checks the device is theirs.
   */
  async ringDevice(device: Device, call: Pick<RingRequest, 'sessionId' | 'callerName' | 'callerUid' | 'callType'>): Promise<DeliveryCounts & { sentAt: number }> {
    const payload = this.ringPayload({ ...call, recipientUid: device.uid }, Date.now());
    await this.o.store.recordRing(
      { sessionId: call.sessionId, uid: device.uid, callerUid: call.callerUid, group: false, ringUntil: new Date(payload.ringUntil), source: 'test', callerName: call.callerName, callType: call.callType },
      { reopen: true },
    );
    this.expireAt(payload.ringUntil);
    const { counts } = await this.deliver([device], payload, payload.ringUntil, { callerName: call.callerName, callType: call.callType });
    return { ...counts, sentAt: payload.timestamp };
  }

  /**
   * The callee answered (accept, decline or busy) with the ring's token:
   * stops the ring on their other devices (`exceptEndpoint`: the one that
   * answered needs no stop) and tells the calling side. Throws RingOverError
   * when the ring had already ended: a token acts once, since its ring ends
   * once (atomically in the store, across instances).
   */
  async answer(sessionId: string, uid: string, reason: 'answered' | 'declined' | 'busy', o: { exceptEndpoint?: string | undefined; ringUntil?: number | undefined } = {}): Promise<DeliveryCounts> {
    const ended = await this.o.store.endRings(sessionId, { uid, ...(o.ringUntil === undefined ? {} : { ringUntil: new Date(o.ringUntil) }) }, reason, new Date());
    if (ended.length === 0) throw new RingOverError('this call is no longer ringing');
    return this.stop(ended, reason, o.exceptEndpoint);
  }

  /**
   * The calling side stops the ring (POST /api/calls/:id/cancel): call_ended
   * goes to every device of the callee even when no ring is known (a ring
   * from before an upgrade, a repeated cancel), so a stop is never refused.
   */
  async cancel(sessionId: string, uid: string, reason: CallEndReason): Promise<DeliveryCounts> {
    const ended = await this.o.store.endRings(sessionId, { uid }, reason, new Date());
    if (ended.length > 0) return this.stop(ended, reason);
    return this.end(sessionId, uid, reason);
  }

  /** Stops the still-ringing rings of a session that the selector picks (CometChat's events). */
  async endSession(sessionId: string, selector: RingSelector, reason: CallEndReason): Promise<EndedRing[]> {
    const ended = await this.o.store.endRings(sessionId, selector, reason, new Date());
    await this.stop(ended, reason);
    return ended;
  }

  /** Stops the still-ringing rings between two parties (CometChat's documented end events carry no session id). */
  async endBetween(parties: RingParties, reason: CallEndReason): Promise<EndedRing[]> {
    const ended = await this.o.store.endRingsBetween(parties, reason, new Date());
    await this.stop(ended, reason);
    return ended;
  }

  /** Starts ending rings whose time is up (call_ended "unanswered", call.missed): any instance's. */
  startExpiring(): void {
    this.sweeper ??= setInterval(() => this.expireDue(), EXPIRY_SWEEP_MS);
    this.sweeper.unref();
  }

  /** Stops looking for expired rings; drain() finishes the work begun. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Resolves when the stops and events started so far are done. */
  drain(): Promise<void> {
    return this.inFlight.drain();
  }

  /** Ends the rings due by now; at most one sweep at a time. */
  expireDue(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const ended = await this.o.store.expireRings(new Date());
        await this.stop(ended, 'unanswered');
      } catch (err) {
        this.o.logger.warn({ err }, 'could not end rings whose time is up; trying again shortly');
      } finally {
        this.sweeping = undefined;
      }
    })();
    this.inFlight.track(this.sweeping);
    return this.sweeping;
  }

  /** A ring this instance placed ends on time, not at the next sweep. */
  private expireAt(ringUntil: number): void {
    if (!this.sweeper) return;
    // Closed by then (a host that embeds the sender and closed it lives on): its store may be closed too.
    setTimeout(() => this.sweeper && void this.expireDue(), Math.max(0, ringUntil - Date.now()) + 5).unref();
  }

  /** call_ended to the devices of each ended ring, and the event the calling side is owed. */
  private async stop(ended: readonly EndedRing[], reason: CallEndReason, exceptEndpoint?: string): Promise<DeliveryCounts> {
    const type = END_EVENTS[reason];
    const results = await Promise.all(
      ended.map(async (ring) => {
        if (type && ring.source !== 'test') {
          this.inFlight.track(
            this.o.events.emit(type, {
              sessionId: ring.sessionId,
              recipientUid: ring.uid,
              ...(ring.callerUid ? { callerUid: ring.callerUid } : {}),
              ...(type === 'call.declined' ? { reason: reason === 'busy' ? 'busy' : 'declined' } : {}),
            }),
          );
        }
        return this.end(ring.sessionId, ring.uid, reason, exceptEndpoint, { callerName: ring.callerName ?? undefined, callType: ring.callType ?? undefined });
      }),
    );
    return sumCounts(results);
  }

  /** Throws PushTooLargeError when this ring's push would not fit a push service (checked before anything is sent). */
  async assertRingFits(call: RingRequest, now = Date.now()): Promise<void> {
    assertPushFits(this.buildRing(call, now));
  }

  private ringPayload(call: RingRequest, now: number): IncomingCallPayload & { ringUntil: number } {
    const payload = this.buildRing(call, now);
    assertPushFits(payload);
    return payload;
  }

  private buildRing(call: RingRequest, now: number): IncomingCallPayload & { ringUntil: number } {
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
      declineToken: this.o.tokens.signDecline(call.recipientUid, call.sessionId, ringUntil + DECLINE_TOKEN_GRACE_MS, ringUntil),
    };
  }

  /**
   * call_ended to every device of the callee, under the ring's Topic so it
   * replaces a ring still queued; `exceptEndpoint` is a device that needs no
   * stop (the one that answered).
   */
  private async end(sessionId: string, recipientUid: string, reason: CallEndReason, exceptEndpoint?: string, call: DeclaredCall = {}): Promise<DeliveryCounts> {
    const now = Date.now();
    const payload: CallEndedPayload = { type: 'call_ended', v: PROTOCOL_VERSION, sessionId, reason, timestamp: now };
    const devices = (await this.o.store.listByUser(recipientUid)).filter((d) => d.endpoint !== exceptEndpoint);
    return (await this.deliver(devices, payload, this.ringUntil(now), call)).counts;
  }

  /** `call`: who called, for a stop's declarative notification (its payload names no caller; a ring's does). */
  private deliver(devices: Device[], payload: IncomingCallPayload | CallEndedPayload, deadline: number, call: DeclaredCall = {}) {
    this.o.pruner?.due();
    const message = { payload, topic: callTopic(payload.sessionId), deadline, call };
    return this.o.deliverer.deliver(devices, message, this.o.answerWithinMs);
  }
}

function sumCounts(all: readonly DeliveryCounts[]): DeliveryCounts {
  const sum: DeliveryCounts = { devices: 0, delivered: 0, purged: 0, failed: 0, pending: 0 };
  for (const c of all) for (const k of Object.keys(sum) as (keyof DeliveryCounts)[]) sum[k] += c[k];
  return sum;
}
