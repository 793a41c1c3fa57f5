import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { DeliveryCounts } from '../../protocol/api';
import type { DeclaredCall } from '../../protocol/declarative';
import type { PushPayload } from '../../protocol/payload';
import { InFlight } from '../in-flight';
import { Metrics, type PushKind } from '../metrics/metrics';
import { pushServiceOf, type PushServiceName } from '../metrics/push-service';
import type { Device, DeviceStore, TraceOutcome } from '../store/types';
import { withDeadline } from './deadline';
import type { PushEncryptor } from './encryption';
import { judge, metricOutcome, outcomeLabel, retryDelay, type Attempt } from './outcome';
import { OutcomeWriter } from './outcome-writer';
import { pushBodies } from './push-body';
import { pushOptions, ttlUntil, type PushRequest } from './push-request';
import type { PushTransport } from './transport';
import type { VapidHeaderCache } from './vapid-header';

export interface PushMessage {
  payload: PushPayload;
  topic: string;
  /** ms since the epoch: no attempt starts after it, and no push service keeps the message past it */
  deadline: number;
  /** who called, for the declarative form of a call_ended (its payload names no caller) */
  call?: DeclaredCall;
}

export type DeviceResult = 'delivered' | 'purged' | 'failed';

export interface DelivererOptions {
  store: DeviceStore;
  vapid: VapidHeaderCache;
  transport: PushTransport;
  encryptor: PushEncryptor;
  logger: Logger;
  /** counters the deliveries move; default: a registry nobody reads */
  metrics?: Metrics;
  /** pushes in flight to one push service at once */
  perOriginConcurrency?: number;
  /** bound on one attempt, connect to answer */
  attemptTimeoutMs?: number;
  random?: () => number;
  /** the app's origin, where a declarative push's link opens (RINGKIT_APP_URL, else the sender's own) */
  appOrigin?: () => string;
}

export interface Delivery {
  /** counts once every device has a final outcome, or when the answer bound passed (the rest pending) */
  counts: DeliveryCounts;
  /** resolves when every device has a final outcome */
  settled: Promise<DeliveryCounts>;
}

/**
 * Fans one message out to devices: urgency high, the call's Topic, a TTL that
 * never outlives the ring, retries while the ring is still worth ringing, and
 * purges of devices the push service says are gone (design.md, "Delivery outcomes").
 */
export class Deliverer {
  private readonly limits = new Map<string, LimitFunction>();
  private readonly perOrigin: number;
  private readonly attemptTimeoutMs: number;
  private readonly inFlight = new InFlight();
  private readonly outcomes: OutcomeWriter;
  private readonly metrics: Metrics;
  /** aborted by close(): no attempt starts after it, and retries waiting give up */
  private readonly closing = new AbortController();

  constructor(private readonly options: DelivererOptions) {
    this.perOrigin = options.perOriginConcurrency ?? 32;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
    this.outcomes = new OutcomeWriter(options.store);
    this.metrics = options.metrics ?? new Metrics({ processMetrics: false });
  }

  async deliver(devices: Device[], message: PushMessage, answerWithinMs: number): Promise<Delivery> {
    const tally = { devices: devices.length, delivered: 0, purged: 0, failed: 0 };
    const bodyFor = pushBodies(message.payload, this.options.appOrigin, message.call);
    const settled = Promise.all(
      devices.map(async (device) => {
        tally[await this.deliverToDevice(device, bodyFor(device.endpoint), message)] += 1;
      }),
    ).then(() => ({ ...tally, pending: 0 }));
    this.inFlight.track(settled);
    await withDeadline(settled.then(() => undefined), answerWithinMs, () => undefined);
    const pending = tally.devices - tally.delivered - tally.purged - tally.failed;
    return { counts: { ...tally, pending }, settled };
  }

  /** Resolves when every delivery started so far has settled (graceful shutdown). */
  drain(): Promise<void> {
    return this.inFlight.drain();
  }

  /**
   * Stops what drain() did not see finish: no attempt starts, retries
   * waiting give up, and no outcome is written after this (the store may be
   * closed next; an embedding host's process lives on).
   */
  close(): void {
    this.closing.abort();
  }

  private async deliverToDevice(device: Device, body: string, message: PushMessage): Promise<DeviceResult> {
    const startedAt = new Date();
    // Made only when something is worth logging: a ring to 10,000 devices is mostly silent.
    const log = () => this.options.logger.child({ deviceId: device.id, uid: device.uid, sessionId: message.payload.sessionId, type: message.payload.type });
    const limit = this.limitFor(device.endpoint);
    // What the call's trace keeps of this push (GET /api/calls/:sessionId), written with its outcome.
    const trace: PushTrack = { kind: message.payload.type === 'incoming_call' ? 'ring' : 'call_ended', service: pushServiceOf(device.endpoint), sentAt: null, answer: null, retries: 0 };
    let request: PushRequest | undefined;
    for (let attemptNo = 1; ; attemptNo += 1) {
      if (this.closing.signal.aborted) return 'failed';
      // Past the ring's end: a push tried before failed with its last answer (a retry's timer may fire late), one never tried expired.
      if (message.deadline <= Date.now()) return this.fail(device, message, trace, trace.answer ?? 'expired', log);
      // Encrypting inside the slot bounds the encrypted pushes held at once, whatever the fan-out.
      const attempt = await limit(async (): Promise<Attempt | 'expired' | 'unencryptable'> => {
        try {
          request ??= await this.encrypt(device, body, message);
        } catch (err) {
          // A device the store should never have accepted (keys that fail encryption).
          log().error({ err }, 'push could not be built');
          return 'unencryptable';
        }
        const remaining = message.deadline - Date.now();
        if (remaining <= 0) return 'expired';
        // TTL counts from when the push service receives it: shrink it on retries
        // so a retried ring still expires with the call (a late ring is worse than none).
        // The real transport sets it again as the push leaves (after a new connection's handshake).
        request.headers.TTL = ttlUntil(message.deadline);
        request.expiresAt = message.deadline;
        trace.sentAt ??= new Date();
        const answered = this.metrics.pushSent(trace.service);
        const result = await this.options.transport.post(request, Math.min(this.attemptTimeoutMs, remaining));
        answered('status' in result);
        return result;
      });
      if (this.closing.signal.aborted) return 'failed'; // answered after close(): not ours to record, nor to purge on
      if (attempt === 'expired') return this.fail(device, message, trace, 'expired', log);
      if (attempt === 'unencryptable') return this.fail(device, message, trace, 'unencryptable', log);
      const verdict = judge(attempt);
      const label = outcomeLabel(attempt);
      trace.answer = label;
      if (verdict.kind === 'delivered') {
        if (trace.kind === 'ring') this.metrics.ringDelivered(trace.service, (Date.now() - message.payload.timestamp) / 1000);
        await this.finish(device, message, trace, 'delivered', 'delivered');
        return 'delivered';
      }
      if (verdict.kind === 'gone') {
        log().info({ status: label }, 'push service says the subscription is gone: purging the device');
        await this.options.store.purge(device.endpoint, startedAt).catch((err: unknown) => log().error({ err }, 'purge failed'));
        await this.finish(device, message, trace, 'purged', undefined);
        return 'purged';
      }
      if (verdict.kind === 'rejected') {
        log().warn({ status: label }, 'push service rejected the push (VAPID key, payload or subscription keys?): keeping the device');
        return this.fail(device, message, trace, label, log);
      }
      const delay = retryDelay(attemptNo, verdict.retryAfterMs, this.options.random);
      if (Date.now() + delay >= message.deadline) return this.fail(device, message, trace, label, log);
      log().debug({ status: label, delay, attemptNo }, 'transient push failure: retrying');
      trace.retries += 1;
      this.metrics.pushRetrying(trace.kind, trace.service);
      await sleep(delay, undefined, { signal: this.closing.signal })
        .catch(() => undefined) // closed while waiting: the loop's next turn stops
        .finally(() => this.metrics.retryStarted());
    }
  }

  private encrypt(device: Device, body: string, message: PushMessage): Promise<PushRequest> {
    const authorization = this.options.vapid.authorization(device.endpoint);
    return this.options.encryptor.encrypt(device, body, pushOptions(authorization, ttlUntil(message.deadline), message.topic));
  }

  private async fail(device: Device, message: PushMessage, trace: PushTrack, label: string, log: () => Logger): Promise<DeviceResult> {
    log().debug({ outcome: label }, 'push not delivered');
    await this.finish(device, message, trace, label === 'expired' ? 'expired' : 'failed', `failed:${label}`);
    return 'failed';
  }

  /** Counts the final outcome and stores it (the device's last outcome, unless purged) with the push's trace, in one batched write. */
  private async finish(device: Device, message: PushMessage, trace: PushTrack, outcome: TraceOutcome, deviceOutcome: string | undefined): Promise<void> {
    this.metrics.pushFinished(trace.kind, trace.service, metricOutcome(outcome, trace.answer));
    const at = new Date();
    // A store hiccup must not turn a delivered ring into an error.
    await this.outcomes
      .record(deviceOutcome === undefined ? undefined : { endpoint: device.endpoint, outcome: deviceOutcome, at }, {
        sessionId: message.payload.sessionId,
        deviceId: device.id,
        uid: device.uid,
        type: trace.kind,
        pushService: trace.service,
        sentAt: trace.sentAt,
        answer: trace.answer,
        retries: trace.retries,
        outcome,
        finishedAt: at,
      })
      .catch((err: unknown) => this.options.logger.warn({ err, deviceId: device.id }, 'could not record the push outcome'));
  }

  private limitFor(endpoint: string): LimitFunction {
    // One slow or hanging push service must not hold the slots of the others.
    const origin = new URL(endpoint).origin;
    let limit = this.limits.get(origin);
    if (!limit) {
      limit = pLimit(this.perOrigin);
      this.limits.set(origin, limit);
    }
    return limit;
  }
}

/** One push to one device as it goes: what its trace and metrics need. */
interface PushTrack {
  kind: PushKind;
  service: PushServiceName;
  /** the first attempt sent; null while none was */
  sentAt: Date | null;
  /** the push service's last answer (status or transport error) */
  answer: string | null;
  retries: number;
}
